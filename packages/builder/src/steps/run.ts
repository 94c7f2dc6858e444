import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { StrataError, type Mount } from "@strata/core";
import type { StepInput } from "@strata/cache";
import type { Instruction } from "@strata/dockerfile";
import type { BindMount } from "@strata/runner";
import type { BuildContext } from "../context.js";
import { runCreatedBy } from "../history.js";
import { DEFAULT_SHELL, runArgs, type StageState } from "../stage/state.js";
import { layerStep } from "./layer.js";
import { mountInputs, resolveRunMounts } from "./run-mounts.js";
import type { StepInfo } from "./step-info.js";

type RunInstruction = Extract<Instruction, { kind: "run" }>;

const OUTPUT_TAIL = 64 * 1024;

/** RUN: the command in runc on a writable snapshot of the stage; its changes become one layer. */
export async function runStep(ctx: BuildContext, state: StageState, instr: RunInstruction, info: StepInfo): Promise<void> {
  const shell = state.config.config.Shell ?? DEFAULT_SHELL;
  // A scratch directory only for the RUNs that need one (heredoc scripts, tmpfs and stage mounts).
  let scratchDir: Promise<string> | undefined;
  const scratch = () => (scratchDir ??= mkdtemp(path.join(ctx.env.store.root, "tmp", `run-${process.pid}-`)));
  try {
    const { args, extraMounts } = await commandLine(instr, shell, scratch);
    const buildArgs = runArgs(state);
    const env = [...(state.config.config.Env ?? []), ...buildArgs.map(([k, v]) => `${k}=${v}`)];
    const network = networkMode(ctx, instr);
    const user = state.config.config.User || undefined;
    const cwd = state.config.config.WorkingDir || "/";
    const inputs: Record<string, StepInput> = await mountInputs(ctx, instr.mounts);
    const definition = {
      text: args.join(" "),
      heredocs: instr.heredocs.map((h) => h.content),
      env: state.config.config.Env ?? [],
      buildArgs: Object.fromEntries(buildArgs),
      user: user ?? "",
      workdir: cwd,
      network,
      mounts: instr.mounts,
    };
    const createdBy = runCreatedBy(instr.shell ? [...shell, instr.cmd.join(" ")] : instr.cmd, buildArgs);
    await layerStep(ctx, state, info, { createdBy, kind: "RUN", definition, inputs }, async (rootfs: Mount[]) => {
      const { mounts, release } = await resolveRunMounts(ctx, instr.mounts, scratch);
      let tail = "";
      const keep = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
        const data = chunk.toString();
        tail = (tail + data).slice(-OUTPUT_TAIL);
        ctx.env.progress({ type: "step-log", id: info.id, stream, data });
      };
      try {
        const { exitCode } = await ctx.env.runner.run(
          // Unmounting after a run that touched many files is slow; it overlaps with the diff.
          { rootfs, args, env, cwd, user, network, mounts: [...extraMounts, ...mounts], releaseLater: true },
          { stdout: keep("stdout"), stderr: keep("stderr") },
          ctx.signal,
        );
        if (exitCode !== 0) {
          throw new StrataError("RUN_FAILED", `process "${args.join(" ")}" did not complete successfully: exit code: ${exitCode}`, {
            detail: { exitCode, output: tail },
          });
        }
      } finally {
        await release();
      }
    });
  } finally {
    const dir = await scratchDir?.catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

function networkMode(ctx: BuildContext, instr: RunInstruction): "none" | "host" {
  const wanted = instr.network ?? ctx.req.network ?? "none";
  if (wanted === "host") return "host";
  if (wanted === "none" || wanted === "default") return "none";
  throw new StrataError("INVALID_ARGUMENT", `unsupported network mode: ${wanted}`, { hint: "use none or host" });
}

/**
 * The argv of a RUN. A heredoc that is the whole command is the script: with a shebang it is
 * written to a file and executed, otherwise the shell runs its text. Heredocs feeding a
 * command (`RUN python <<EOF`) are passed to the shell inline, as the shell would read them.
 */
async function commandLine(instr: RunInstruction, shell: string[], scratch: () => Promise<string>): Promise<{ args: string[]; extraMounts: BindMount[] }> {
  if (!instr.shell) return { args: [...instr.cmd], extraMounts: [] };
  const text = instr.cmd.join(" ");
  if (instr.heredocs.length === 0) return { args: [...shell, text], extraMounts: [] };
  const only = instr.heredocs.length === 1 && /^\s*\d*<<-?\s*["']?[^\s"']+["']?\s*$/.test(text) ? instr.heredocs[0]! : undefined;
  if (only) {
    if (only.content.startsWith("#!")) {
      const dir = path.join(await scratch(), "heredoc");
      await mkdir(dir);
      await writeFile(path.join(dir, "script"), only.content, { mode: 0o755 });
      const target = `/dev/pipes/${only.name}`;
      return { args: [target], extraMounts: [{ source: path.join(dir, "script"), destination: target, readonly: true }] };
    }
    return { args: [...shell, only.content], extraMounts: [] };
  }
  const bodies = instr.heredocs.map((h) => `${h.content}${h.content.endsWith("\n") ? "" : "\n"}${h.name}`).join("\n");
  return { args: [...shell, `${text}\n${bodies}`], extraMounts: [] };
}
