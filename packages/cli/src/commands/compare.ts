import type { CompareReport, CompareRow, FileChange, StepRef } from "@strata/compare";
import type { GlobalOptions } from "../engine.js";
import { humanSize, shortId, table, truncate } from "../format.js";
import { openImages, writeReport } from "./image-sources.js";

export interface CompareCommandOptions {
  format?: string;
  html?: string;
  path: string[];
  ignoreTimestamps?: boolean;
  ignoreHistory?: boolean;
  semantic?: boolean;
  trunc: boolean;
}

/** `strata compare A B`: exit 0 when identical, 1 when different (as `diff`); errors exit 2 (see program-history.ts). */
export async function compareCommand(refA: string, refB: string, opts: CompareCommandOptions, globals: GlobalOptions): Promise<number> {
  const { StrataError } = await import("@strata/core");
  if (opts.format !== undefined && opts.format !== "json" && opts.format !== "text") {
    throw new StrataError("INVALID_ARGUMENT", `--format ${opts.format}: expected json or text`);
  }
  const { compareImages, renderComparePage } = await import("@strata/compare");
  const { images, preimage } = await openImages([refA, refB], globals);
  const report = await compareImages(images[0]!, images[1]!, {
    ignoreTimestamps: opts.ignoreTimestamps,
    ignoreHistory: opts.ignoreHistory,
    semantic: opts.semantic,
    paths: opts.path,
    preimage,
  });
  if (opts.html) await writeReport(opts.html, renderComparePage(report, { humanSize }));
  process.stdout.write(opts.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : compareText(report, opts.trunc));
  return report.identical ? 0 : 1;
}

const DIVERGENCE: Record<string, string> = {
  "only-a": "only in A",
  "only-b": "only in B",
  instruction: "different instruction text",
  "build-args": "the same instruction with different build args",
  inputs: "the same instruction with different inputs",
};

export function compareText(r: CompareReport, trunc: boolean): string {
  const cut = (s: string, n = 45) => (trunc ? truncate(s, n) : s);
  const id = (d: string) => (trunc ? shortId(d) : d);
  const out: string[] = [];
  for (const side of ["a", "b"] as const) {
    const s = r[side];
    out.push(`${side.toUpperCase()}: ${s.name ?? s.ref}  ${id(s.id)}  ${s.layers} layer${s.layers === 1 ? "" : "s"}, ${humanSize(s.size)}${s.name && s.name !== s.ref ? `  (${s.ref})` : ""}`);
  }
  out.push("");
  const base = r.sharedBase;
  const whole = base.allOfA && base.allOfB ? " (every layer of both)" : base.allOfA ? " (every layer of A)" : base.allOfB ? " (every layer of B)" : "";
  out.push(`Shared base: ${base.layers} layer${base.layers === 1 ? "" : "s"}, ${humanSize(base.size)}${whole}`);
  const d = r.firstDivergence;
  if (!d) out.push("First divergent step: none (the histories are the same)");
  else {
    out.push(`First divergent step: #${d.row + 1}, ${DIVERGENCE[d.reason]}${d.buildArgs?.length ? ` (${d.buildArgs.join(", ")})` : ""}`);
    if (d.a) out.push(`  A: ${stepLine(d.a)}`);
    if (d.b) out.push(`  B: ${stepLine(d.b)}`);
    for (const input of d.inputs ?? []) out.push(`  build records: ${input}`);
    const files = d.files ?? [];
    for (const f of files.slice(0, 10)) out.push(`  ${f.change === "changed" ? `${f.what.join(", ")}:` : f.change === "only-a" ? "only A writes" : "only B writes"} ${f.path}`);
    if (files.length > 10) out.push(`  … and ${files.length - 10} more paths`);
  }
  out.push("");
  out.push(table(["#", "STATUS", "A", "SIZE", "LAYER", "B", "SIZE", "LAYER"], r.steps.map((row, i) => stepRow(row, i, cut, id))).trimEnd());
  out.push("");
  out.push(`Files: ${r.files.added} added, ${r.files.removed} removed, ${r.files.changed} changed${r.options.paths.length ? ` (under ${r.options.paths.join(", ")})` : ""}`);
  if (r.files.changes.length) out.push(indent(table(["CHANGE", "PATH", "WHAT", "A", "B", "A STEP", "B STEP"], r.files.changes.map((c) => fileRow(c, cut)))));
  out.push(r.config.length ? "Config:" : "Config: the same");
  for (const c of r.config) out.push(`  ${c.field}${c.key !== undefined ? ` ${c.key}` : ""}: ${c.a ?? "(none)"} → ${c.b ?? "(none)"}`);
  out.push(`Pull of B with A present: reuses ${r.pull.reusedLayers} layer blob${r.pull.reusedLayers === 1 ? "" : "s"} (${humanSize(r.pull.reusedBytes)}), transfers ${r.pull.transferLayers} (${humanSize(r.pull.transferBytes)})`);
  out.push(r.identical ? "Identical" : `Different: ${r.differences.join(", ")}`);
  return `${out.join("\n")}\n`;
}

const STATUS: Record<CompareRow["status"], string> = { shared: "shared", divergent: "divergent", "only-a": "only-A", "only-b": "only-B" };

function stepLine(s: StepRef): string {
  return `#${s.index + 1} ${s.createdBy}${s.layer ? ` (${humanSize(s.size)}, layer ${shortId(s.layer.diffId)})` : " (metadata only)"}`;
}

function stepRow(row: CompareRow, i: number, cut: (s: string) => string, id: (d: string) => string): string[] {
  const side = (s?: StepRef) => (s ? [cut(s.createdBy), s.layer ? humanSize(s.size) : "0B", s.layer ? id(s.layer.diffId) : "-"] : ["", "", ""]);
  return [String(i + 1), STATUS[row.status], ...side(row.a), ...side(row.b)];
}

function fileRow(c: FileChange, cut: (s: string, n?: number) => string): string[] {
  const v = (x: FileChange["a"]) => (x ? `${x.type === "file" ? "" : `${x.type} `}${humanSize(x.size)}` : "");
  const step = (x: FileChange["a"]) => (x ? `#${x.step + 1}` : "");
  return [c.change, c.path, c.what.join(","), v(c.a), v(c.b), step(c.a), step(c.b)].map((s, i) => (i === 1 ? s : cut(s, 30)));
}

const indent = (s: string) =>
  s
    .trimEnd()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
