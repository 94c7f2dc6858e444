import { StrataError, isStrataError } from "@strata/core";
import type { Instruction } from "@strata/dockerfile";
import type { BuildContext } from "../context.js";
import type { StepInfo } from "./step-info.js";

/** One instruction's display name, as BuildKit shows it: `[stage 2/5] RUN make`. */
export function stepName(stageLabel: string, index: number, total: number, text: string): string {
  return `[${stageLabel} ${index}/${total}] ${text}`;
}

/**
 * Runs one step with progress events and timing, and gives any error the instruction's
 * Dockerfile location (errors that already carry one keep it).
 */
export async function trackStep<T>(
  ctx: BuildContext,
  stage: string,
  name: string,
  identity: string,
  instr: Pick<Instruction, "startLine" | "endLine" | "original"> | undefined,
  fn: (info: StepInfo) => Promise<T>,
): Promise<T> {
  const info: StepInfo = { id: ctx.nextStepId(), identity, cached: false };
  const started = performance.now();
  ctx.env.progress({ type: "step-start", id: info.id, name, stage });
  try {
    ctx.signal?.throwIfAborted();
    const out = await fn(info);
    const durationMs = performance.now() - started;
    ctx.env.progress({ type: "step-done", id: info.id, cached: info.cached, durationMs, ...(info.key ? { key: info.key } : {}), ...(info.reasons?.length ? { reasons: info.reasons } : {}) });
    ctx.steps.push({ id: info.id, stage, name, cached: info.cached, durationMs, key: info.key, reasons: info.reasons });
    return out;
  } catch (e) {
    const durationMs = performance.now() - started;
    const located = withLocation(ctx, instr, e);
    ctx.env.progress({ type: "step-done", id: info.id, cached: false, durationMs, error: located.message });
    throw located;
  }
}

function withLocation(
  ctx: BuildContext,
  instr: Pick<Instruction, "startLine" | "endLine" | "original"> | undefined,
  e: unknown,
): StrataError {
  if (ctx.signal?.aborted) return new StrataError("CANCELED", "build canceled", { cause: e });
  if (isStrataError(e) && (e.location || !instr)) return e;
  const location = instr && {
    file: ctx.file,
    startLine: instr.startLine,
    endLine: instr.endLine,
    source: instr.original,
  };
  if (isStrataError(e)) {
    return new StrataError(e.code, e.message, { hint: e.hint, cause: e.cause, detail: e.detail, location });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new StrataError("INTERNAL", message, { cause: e, location });
}
