import type { ProgressEvent, ProgressSink } from "@strata/core";

export type ProgressMode = "auto" | "plain" | "json" | "quiet";

/** Renders build progress on stderr: BuildKit-style plain lines, or one JSON object per event. */
export function createProgressRenderer(mode: ProgressMode, out: NodeJS.WritableStream = process.stderr): ProgressSink {
  if (mode === "quiet") return () => {};
  if (mode === "json") return (e: ProgressEvent) => out.write(`${JSON.stringify({ ...e, time: new Date().toISOString() })}\n`);
  const started = new Map<string, number>();
  const elapsed = (id: string) => ((performance.now() - (started.get(id) ?? performance.now())) / 1000).toFixed(3);
  return (e: ProgressEvent) => {
    switch (e.type) {
      case "step-start":
        started.set(e.id, performance.now());
        out.write(`${e.id} ${e.name}\n`);
        break;
      case "step-log":
        for (const line of e.data.replace(/\n$/, "").split("\n")) out.write(`${e.id} ${elapsed(e.id)} ${line}\n`);
        break;
      case "step-done":
        if (e.error) out.write(`${e.id} ERROR: ${e.error}\n`);
        else out.write(`${e.id} ${e.cached ? "CACHED" : `DONE ${(e.durationMs / 1000).toFixed(1)}s`}\n`);
        out.write("\n");
        break;
      case "info":
        out.write(`${e.message}\n`);
        break;
      case "warning":
        out.write(`WARNING: ${e.message}\n`);
        break;
    }
  };
}
