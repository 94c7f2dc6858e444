import type { AnalyzeReport } from "./analyze.js";
import type { CiResult } from "./ci-rules.js";

/** `analyze --summary FILE`: Markdown for a CI job summary (metrics, rules, the largest wasted copies). */
export function analyzeSummaryMarkdown(r: AnalyzeReport, ci: CiResult | undefined, humanSize: (n: number) => string, top = 10): string {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  const lines = [
    `## strata analyze \`${cell(r.image.name ?? r.image.ref)}\`${ci ? (ci.pass ? " — PASS" : " — FAIL") : ""}`,
    "",
    "| metric | value |",
    "| --- | --- |",
    `| efficiency | ${pct(r.efficiency)} |`,
    `| wasted bytes | ${humanSize(r.wastedBytes)} (${r.wastedBytes} bytes) |`,
    `| user wasted | ${pct(r.userWastedPercent)} |`,
    `| layers | ${r.image.layers} (${humanSize(r.totalBytes)}; final filesystem ${humanSize(r.finalBytes)}) |`,
    "",
  ];
  if (ci) {
    lines.push("| rule | threshold | result |", "| --- | --- | --- |");
    for (const rule of ci.rules) lines.push(`| ${rule.name} | ${cell(rule.threshold)} | ${rule.status.toUpperCase()}: ${cell(rule.message)} |`);
    lines.push("");
  }
  if (r.wasted.length) {
    const stepText = (i: number) => cell(`#${i + 1} ${r.layers.find((l) => l.step === i)?.createdBy ?? ""}`);
    lines.push(`Largest wasted copies (${Math.min(top, r.wasted.length)} of ${r.wasted.length}):`, "", "| bytes | path | written by | superseded by |", "| --- | --- | --- | --- |");
    for (const w of r.wasted.slice(0, top)) lines.push(`| ${humanSize(w.bytes)} | \`${cell(w.path)}\` | ${stepText(w.wroteStep)} | ${w.how} by ${stepText(w.byStep)} |`);
    lines.push("");
  }
  return lines.join("\n");
}
