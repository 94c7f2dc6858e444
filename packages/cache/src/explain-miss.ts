import { canonicalJSON } from "@strata/core";
import type { CompactChecksum, CompactEntry } from "./context-checksum.js";
import type { KeyPreimage } from "./step-key.js";

/**
 * Human reasons why `next` has a different key than `prev`, most specific first:
 * `instruction text changed`, `build-arg VERSION changed`, `env PATH added`, `base image digest changed`,
 * `src/app.ts content changed`, `src/run.sh mode 0664→0644`, `added src/new.ts`, `parent step changed`.
 * Values of build args and env are never shown (they may hold secrets). Empty when nothing differs.
 */
export function explainPreimages(prev: KeyPreimage, next: KeyPreimage, maxReasons = 20): string[] {
  const reasons: string[] = [];
  if (prev.v !== next.v) reasons.push(`cache key version changed (${prev.v}→${next.v})`);
  if (prev.kind !== next.kind) reasons.push(`instruction changed (${prev.kind}→${next.kind})`);
  diffDefinition(prev.definition, next.definition, reasons);
  diffInputs(prev, next, reasons);
  if (prev.parent !== next.parent) reasons.push("parent step changed");
  if (reasons.length <= maxReasons) return reasons;
  return [...reasons.slice(0, maxReasons), `… and ${reasons.length - maxReasons} more changes`];
}

function diffDefinition(prev: Record<string, unknown>, next: Record<string, unknown>, out: string[]): void {
  for (const name of unionKeys(prev, next)) {
    const a = prev[name];
    const b = next[name];
    if (same(a, b)) continue;
    if (name === "text" || name === "instruction") out.push("instruction text changed");
    else if (name === "buildArgs") diffNamed("build-arg", asMap(a), asMap(b), out);
    else if (name === "env") diffNamed("env", asMap(a), asMap(b), out);
    else diffField(name, a, b, out);
  }
}

/** Any other definition field: recurse into objects, name leaves by dotted path. */
function diffField(where: string, a: unknown, b: unknown, out: string[]): void {
  if (isRecord(a) && isRecord(b)) {
    for (const k of unionKeys(a, b)) if (!same(a[k], b[k])) diffField(`${where}.${k}`, a[k], b[k], out);
    return;
  }
  if (a === undefined) out.push(`${where} added`);
  else if (b === undefined) out.push(`${where} removed`);
  else out.push(`${where} changed`);
}

function diffNamed(label: string, a: Map<string, string>, b: Map<string, string>, out: string[]): void {
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (!a.has(name)) out.push(`${label} ${name} added`);
    else if (!b.has(name)) out.push(`${label} ${name} removed`);
    else if (a.get(name) !== b.get(name)) out.push(`${label} ${name} changed`);
  }
}

function diffInputs(prev: KeyPreimage, next: KeyPreimage, out: string[]): void {
  const a = prev.inputs ?? {};
  const b = next.inputs ?? {};
  for (const name of unionKeys(a, b)) {
    if (a[name] === b[name]) continue;
    const label = inputLabel(name);
    if (a[name] === undefined) out.push(`${label} added`);
    else if (b[name] === undefined) out.push(`${label} removed`);
    else {
      const files = diffFiles(prev.files?.[name], next.files?.[name]);
      out.push(...(files ?? [`${label} changed`]));
    }
  }
}

function inputLabel(name: string): string {
  if (name === "base" || name === "baseImage") return "base image digest";
  if (name.startsWith("from:")) return `stage ${name.slice(5)} result`;
  if (name.startsWith("url:")) return `${name.slice(4)} checksum`;
  return `input ${name}`;
}

/** Per-path differences of two compact listings; undefined when either listing is missing. */
function diffFiles(prev: CompactChecksum | undefined, next: CompactChecksum | undefined): string[] | undefined {
  if (!prev || !next) return undefined;
  const out: string[] = [];
  if (prev.owner !== next.owner) out.push(`owner ${prev.owner}→${next.owner}`);
  const before = new Map(prev.entries.map((e) => [e[0], e]));
  const after = new Map(next.entries.map((e) => [e[0], e]));
  for (const [path, e] of after) {
    const old = before.get(path);
    if (!old) out.push(`added ${path}`);
    else out.push(...diffEntry(path, old, e));
  }
  for (const path of before.keys()) if (!after.has(path)) out.push(`removed ${path}`);
  return out.length > 0 ? out : ["file list changed"];
}

function diffEntry(path: string, a: CompactEntry, b: CompactEntry): string[] {
  const [kindA, modeA] = [a[1][0], a[1].slice(1)];
  const [kindB, modeB] = [b[1][0], b[1].slice(1)];
  if (kindA !== kindB) return [`${path} type ${KIND[kindA!] ?? kindA}→${KIND[kindB!] ?? kindB}`];
  const out: string[] = [];
  if (modeA !== modeB) out.push(`${path} mode ${modeA}→${modeB}`);
  if (a[2] !== b[2]) out.push(kindB === "l" ? `${path} symlink target ${a[2]}→${b[2]}` : `${path} content changed`);
  return out;
}

const KIND: Record<string, string> = { f: "file", d: "dir", l: "symlink" };

function asMap(v: unknown): Map<string, string> {
  const m = new Map<string, string>();
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item);
      const eq = s.indexOf("=");
      m.set(eq < 0 ? s : s.slice(0, eq), eq < 0 ? "" : s.slice(eq + 1));
    }
  } else if (isRecord(v)) for (const [k, x] of Object.entries(v)) m.set(k, canonicalJSON(x));
  return m;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => canonicalJSON(a) === canonicalJSON(b);
const unionKeys = (a: object, b: object): string[] => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
