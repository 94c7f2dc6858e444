import { readFileSync } from "node:fs";
import { StrataError } from "@strata/core";
import type { AnalyzeReport } from "./analyze.js";
import { parseBytes } from "./bytes.js";

export type RuleName = "lowestEfficiency" | "highestWastedBytes" | "highestUserWastedPercent";
export const RULE_NAMES: RuleName[] = ["lowestEfficiency", "highestWastedBytes", "highestUserWastedPercent"];

/** A rule's threshold as given ("0.9", "20MB", "disabled"); undefined leaves the default. */
export type RuleSettings = Partial<Record<RuleName, string>>;

/** dive's defaults: efficiency at least 0.9, user-wasted ratio at most 0.1, wasted bytes unchecked. */
export const DEFAULT_RULES: Record<RuleName, string> = { lowestEfficiency: "0.9", highestWastedBytes: "disabled", highestUserWastedPercent: "0.1" };

export interface RuleResult {
  name: RuleName;
  status: "pass" | "fail" | "skip";
  /** The threshold as configured. */
  threshold: string;
  /** The image's value: a ratio, or bytes for highestWastedBytes. */
  value: number;
  message: string;
}

export interface CiResult {
  pass: boolean;
  rules: RuleResult[];
}

const DISABLED = new Set(["", "disabled", "off", "false"]);
const KEY_ALIASES: Record<string, RuleName> = {};
for (const name of RULE_NAMES) {
  KEY_ALIASES[name.toLowerCase()] = name;
  KEY_ALIASES[name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = name;
  KEY_ALIASES[name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = name;
}

/**
 * A `.dive-ci` file: YAML with a `rules:` map under dive's camelCase names (dive.yaml's
 * kebab-case spellings are accepted too). Unknown rules are an error rather than a silent pass.
 */
export async function readRulesFile(file: string): Promise<RuleSettings> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new StrataError("NOT_FOUND", `${file}: cannot read the CI rules file`);
  }
  const { parse } = await import("yaml");
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new StrataError("INVALID_ARGUMENT", `${file}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  const rules = (doc as { rules?: unknown } | null)?.rules;
  if (doc === null || rules === undefined || rules === null) return {};
  if (typeof rules !== "object" || Array.isArray(rules)) throw new StrataError("INVALID_ARGUMENT", `${file}: "rules" must be a map of rule names to thresholds`);
  const out: RuleSettings = {};
  for (const [key, value] of Object.entries(rules as Record<string, unknown>)) {
    const name = KEY_ALIASES[key.toLowerCase()] ?? KEY_ALIASES[key];
    if (!name) throw new StrataError("INVALID_ARGUMENT", `${file}: unknown rule "${key}" (rules: ${RULE_NAMES.join(", ")})`);
    out[name] = value === null || value === undefined ? "" : String(value);
  }
  return out;
}

/** Evaluates dive's three rules (strict comparisons, as dive makes them); any failure fails the gate. */
export function evaluateRules(report: AnalyzeReport, settings: RuleSettings): CiResult {
  const rules = RULE_NAMES.map((name): RuleResult => {
    const threshold = settings[name] ?? DEFAULT_RULES[name];
    const value = name === "lowestEfficiency" ? report.efficiency : name === "highestWastedBytes" ? report.wastedBytes : report.userWastedPercent;
    if (DISABLED.has(threshold.trim().toLowerCase())) return { name, status: "skip", threshold, value, message: "rule disabled" };
    const limit = name === "highestWastedBytes" ? parseBytes(threshold) : ratio(name, threshold);
    if (name === "lowestEfficiency") {
      return value < limit
        ? { name, status: "fail", threshold, value, message: `efficiency ${fmt(value)} is below ${threshold}` }
        : { name, status: "pass", threshold, value, message: `efficiency ${fmt(value)} ≥ ${threshold}` };
    }
    const shown = name === "highestWastedBytes" ? `${value} bytes` : fmt(value);
    return value > limit
      ? { name, status: "fail", threshold, value, message: `${name === "highestWastedBytes" ? "wasted bytes" : "user-wasted ratio"} ${shown} exceeds ${threshold}` }
      : { name, status: "pass", threshold, value, message: `${name === "highestWastedBytes" ? "wasted bytes" : "user-wasted ratio"} ${shown} ≤ ${threshold}` };
  });
  return { pass: rules.every((r) => r.status !== "fail"), rules };
}

function ratio(name: RuleName, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) throw new StrataError("INVALID_ARGUMENT", `${name}: invalid threshold ${JSON.stringify(text)} (a ratio between 0 and 1, or "disabled")`);
  return v;
}

const fmt = (v: number) => String(Number(v.toFixed(4)));
