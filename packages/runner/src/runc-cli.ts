import { existsSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { StrataError, errorMessage, runChecked, start, type SubprocessResult } from "@strata/core";

/** The runc commands a runner needs, all against one dedicated `--root` state directory. */
export class RuncCli {
  constructor(
    readonly binary: string,
    readonly stateRoot: string,
  ) {}

  /**
   * Starts `runc run` in the foreground without a terminal: the container process inherits
   * runc's stdout and stderr pipes directly. runc's own errors go to `logFile` as JSON too.
   */
  run(bundle: string, id: string, logFile: string): { child: ChildProcess; exit: Promise<Omit<SubprocessResult, "stdout" | "stderr">> } {
    const args = ["--root", this.stateRoot, "--log", logFile, "--log-format", "json", "run", "--bundle", bundle, id];
    return start(this.binary, args, {}, "ignore");
  }

  /** Whether runc still holds state for `id` (cheaper than asking runc). */
  hasState(id: string): boolean {
    return existsSync(path.join(this.stateRoot, id));
  }

  async kill(id: string, signal = "KILL"): Promise<void> {
    await this.#exec(["kill", id, signal]);
  }

  /** Kills whatever is left of the container and removes its state and cgroups. */
  async deleteForce(id: string): Promise<void> {
    await this.#exec(["delete", "--force", id]);
  }

  /** Ids of the containers under this state root. */
  async list(): Promise<string[]> {
    const out = await this.#exec(["list", "--quiet"]);
    return out.split("\n").filter(Boolean);
  }

  async #exec(args: string[]): Promise<string> {
    try {
      const { stdout } = await runChecked(this.binary, ["--root", this.stateRoot, ...args]);
      return stdout.toString().trimEnd();
    } catch (e) {
      throw new StrataError("INTERNAL", `runc ${args.join(" ")}: ${errorMessage(e)}`, { cause: e });
    }
  }
}
