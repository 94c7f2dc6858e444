/** Typed progress events; only the CLI renders them. */
export type ProgressEvent =
  | { type: "step-start"; id: string; name: string; stage?: string; index?: number; total?: number; cached?: boolean }
  | { type: "step-log"; id: string; stream: "stdout" | "stderr"; data: string }
  | { type: "step-done"; id: string; cached: boolean; durationMs: number; error?: string; key?: string; reasons?: string[] }
  | { type: "info"; message: string }
  | { type: "warning"; message: string };

export type ProgressSink = (event: ProgressEvent) => void;
export const noProgress: ProgressSink = () => {};
