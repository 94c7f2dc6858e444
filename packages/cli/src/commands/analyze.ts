import { existsSync } from "node:fs";
import type { AnalyzeReport, CiResult, RuleSettings } from "@strata/compare";
import type { GlobalOptions } from "../engine.js";
import { humanSize, shortId, table, truncate } from "../format.js";
import { openImages, writeReport } from "./image-sources.js";

export interface AnalyzeCommandOptions {
  format?: string;
  html?: string;
  summary?: string;
  ci?: boolean;
  ciConfig?: string;
  lowestEfficiency?: string;
  highestWastedBytes?: string;
  highestUserWastedPercent?: string;
  top: string;
  trunc: boolean;
}

/**
 * `strata analyze IMAGE`: bytes carried for nothing, per layer and in total, and the
 * efficiency. With `--ci` (or any rule flag, or `--ci-config`), dive's rules gate the image:
 * exit 1 when one fails. Errors exit 2.
 */
export async function analyzeCommand(ref: string, opts: AnalyzeCommandOptions, globals: GlobalOptions): Promise<number> {
  const { StrataError } = await import("@strata/core");
  if (opts.format !== undefined && opts.format !== "json" && opts.format !== "text") {
    throw new StrataError("INVALID_ARGUMENT", `--format ${opts.format}: expected json or text`);
  }
  const top = Number(opts.top);
  if (!Number.isInteger(top) || top < 0) throw new StrataError("INVALID_ARGUMENT", `--top ${opts.top}: expected a whole number`);
  const { analyzeImage, evaluateRules, readRulesFile, renderAnalyzePage, analyzeSummaryMarkdown } = await import("@strata/compare");
  const flags: RuleSettings = {
    ...(opts.lowestEfficiency !== undefined ? { lowestEfficiency: opts.lowestEfficiency } : {}),
    ...(opts.highestWastedBytes !== undefined ? { highestWastedBytes: opts.highestWastedBytes } : {}),
    ...(opts.highestUserWastedPercent !== undefined ? { highestUserWastedPercent: opts.highestUserWastedPercent } : {}),
  };
  const gate = opts.ci || opts.ciConfig !== undefined || Object.keys(flags).length > 0;
  let rulesFile: string | undefined;
  let settings: RuleSettings = {};
  if (gate) {
    rulesFile = opts.ciConfig ?? (existsSync(".dive-ci") ? ".dive-ci" : undefined);
    settings = { ...(rulesFile ? await readRulesFile(rulesFile) : {}), ...flags };
  }
  const { images } = await openImages([ref], globals);
  const report = await analyzeImage(images[0]!);
  const ci = gate ? evaluateRules(report, settings) : undefined;
  if (opts.html) await writeReport(opts.html, renderAnalyzePage(report, { humanSize }, ci));
  if (opts.summary) await writeReport(opts.summary, analyzeSummaryMarkdown(report, ci, humanSize));
  process.stdout.write(opts.format === "json" ? `${JSON.stringify(ci ? { ...report, ci } : report, null, 2)}\n` : analyzeText(report, ci, rulesFile, top, opts.trunc));
  return ci && !ci.pass ? 1 : 0;
}

export function analyzeText(r: AnalyzeReport, ci: CiResult | undefined, rulesFile: string | undefined, top: number, trunc: boolean): string {
  const cut = (s: string, n = 45) => (trunc ? truncate(s, n) : s);
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  const step = (i: number) => cut(`#${i + 1} ${r.layers.find((l) => l.step === i)?.createdBy ?? ""}`, 40);
  const out: string[] = [];
  out.push(`Image: ${r.image.name ?? r.image.ref}  ${trunc ? shortId(r.image.id) : r.image.id}`);
  out.push(`Efficiency: ${pct(r.efficiency)}   Wasted: ${humanSize(r.wastedBytes)}   User wasted: ${pct(r.userWastedPercent)}`);
  out.push(`Layers: ${r.image.layers}, ${humanSize(r.totalBytes)}; final filesystem: ${humanSize(r.finalBytes)}`);
  out.push("");
  out.push(table(["LAYER", "SIZE", "WASTED", "STEP"], r.layers.map((l) => [String(l.layer + 1), humanSize(l.size), humanSize(l.wasted), cut(`#${l.step + 1} ${l.createdBy}`, 60)])).trimEnd());
  if (r.wasted.length) {
    out.push("");
    out.push(`Wasted copies (${r.wasted.length > top ? `largest ${top} of ${r.wasted.length}` : r.wasted.length}):`);
    out.push(table(["SIZE", "HOW", "PATH", "WRITTEN BY", "SUPERSEDED BY"], r.wasted.slice(0, top).map((w) => [humanSize(w.bytes), w.how, w.path, step(w.wroteStep), step(w.byStep)])).trimEnd());
  }
  if (ci) {
    out.push("");
    out.push(`CI rules${rulesFile ? ` (${rulesFile})` : ""}:`);
    out.push(table(["", "RULE", "THRESHOLD", ""], ci.rules.map((x) => [x.status.toUpperCase(), x.name, x.threshold, x.message])).trimEnd());
    const count = (s: string) => ci.rules.filter((x) => x.status === s).length;
    out.push(`Result: ${ci.pass ? "PASS" : "FAIL"} [Total: ${ci.rules.length}] [Passed: ${count("pass")}] [Failed: ${count("fail")}] [Skipped: ${count("skip")}]`);
  }
  return `${out.join("\n")}\n`;
}
