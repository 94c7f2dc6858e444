import { StrataError, errorMessage, run } from "@strata/core";
import { RuncCli } from "../runc-cli.js";

/** The runc commands containers need beyond a build's (`runc run`): start, signals, pause, ps. */
export class ContainerRunc extends RuncCli {
  start(id: string): Promise<void> {
    return this.call(["start", id]).then(() => {});
  }

  /** Sends `signal` (a name without SIG, or a number) to the container's init; false when it is not running. */
  async signal(id: string, signal: string): Promise<boolean> {
    const r = await run(this.binary, ["--root", this.stateRoot, "kill", id, signal]);
    if (!r.failed) return true;
    const err = r.stderr.toString();
    if (/not running|does not exist|container not running|process already finished/i.test(err)) return false;
    throw new StrataError("INTERNAL", `runc kill ${id} ${signal}: ${err.trim()}`);
  }

  pause(id: string): Promise<void> {
    return this.call(["pause", id]).then(() => {});
  }

  resume(id: string): Promise<void> {
    return this.call(["resume", id]).then(() => {});
  }

  /** Host pids of the container's processes. */
  async pids(id: string): Promise<number[]> {
    const out = await this.call(["ps", "--format", "json", id]);
    return (JSON.parse(out || "[]") as number[]) ?? [];
  }

  /** runc's status of the container ("created", "running", "paused", "stopped"), undefined when unknown to runc. */
  async status(id: string): Promise<string | undefined> {
    if (!this.hasState(id)) return undefined;
    const r = await run(this.binary, ["--root", this.stateRoot, "state", id]);
    if (r.failed) return undefined;
    try {
      return (JSON.parse(r.stdout.toString()) as { status?: string }).status;
    } catch {
      return undefined;
    }
  }

  /** Removes runc's state of a container that has stopped (killing what is left first); nothing when unknown. */
  async remove(id: string): Promise<void> {
    if (!this.hasState(id)) return;
    await this.deleteForce(id).catch((e: unknown) => {
      if (this.hasState(id)) throw e;
    });
  }

  /** `runc delete` without force: removes a stopped container's state, refuses a running one. */
  async deleteStopped(id: string): Promise<void> {
    await run(this.binary, ["--root", this.stateRoot, "delete", id]);
  }

  private async call(args: string[]): Promise<string> {
    const r = await run(this.binary, ["--root", this.stateRoot, ...args]);
    if (r.failed) throw new StrataError("INTERNAL", `runc ${args.join(" ")}: ${errorMessage(r.stderr.toString()) || `exit ${r.exitCode}`}`);
    return r.stdout.toString().trim();
  }
}
