import { usageError } from "../errors.js";
import { NO_VALUE, goJson, goString, isTrue } from "./go-value.js";

export type TemplateFunction = (...args: unknown[]) => unknown;

const str = (v: unknown) => goString(v);

function compare(name: string, a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw usageError(`template: ${name}: incompatible types for comparison`);
}

/** Go's `printf` for the verbs people use in --format: %s %v %d %q %x %%, with widths (%-20s). */
function printf(format: unknown, ...args: unknown[]): string {
  let next = 0;
  return String(format).replace(/%([-0 ]*)(\d*)(?:\.(\d+))?([svdqxXtf%])/g, (_m, flags: string, width: string, precision: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    const arg = args[next++];
    let s: string;
    switch (verb) {
      case "d":
        s = String(Math.trunc(Number(arg)));
        break;
      case "q":
        s = JSON.stringify(str(arg));
        break;
      case "x":
      case "X":
        s = typeof arg === "number" ? arg.toString(16) : Buffer.from(str(arg)).toString("hex");
        if (verb === "X") s = s.toUpperCase();
        break;
      case "f":
        s = Number(arg).toFixed(precision === undefined ? 6 : Number(precision));
        break;
      default:
        s = str(arg);
        if (precision !== undefined && verb === "s") s = s.slice(0, Number(precision));
    }
    const w = Number(width || 0);
    if (s.length >= w) return s;
    if (flags.includes("-")) return s.padEnd(w);
    return s.padStart(w, flags.includes("0") && verb !== "s" ? "0" : " ");
  });
}

/** Go's built-in template functions and the ones Docker's CLI adds (json, join, split, …). */
export const FUNCTIONS: Record<string, TemplateFunction> = {
  // Docker's additions (docker/cli templates.basicFunctions)
  json: (v) => goJson(v),
  split: (s, sep) => str(s).split(str(sep)),
  join: (list, sep) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  pad: (s, left, right) => `${" ".repeat(Number(left))}${str(s)}${" ".repeat(Number(right))}`,
  truncate: (s, n) => [...str(s)].slice(0, Number(n)).join(""),
  // Go's builtins
  print: (...args) => args.map(str).join(""),
  println: (...args) => `${args.map(str).join(" ")}\n`,
  printf,
  len: (v) => {
    if (typeof v === "string" || Array.isArray(v)) return v.length;
    if (v && typeof v === "object") return Object.keys(v).length;
    throw usageError("template: len of a value that has no length");
  },
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur === null || cur === undefined || cur === NO_VALUE) return NO_VALUE;
      const next = Array.isArray(cur) ? cur[Number(k)] : (cur as Record<string, unknown>)[str(k)];
      cur = next === undefined ? NO_VALUE : next;
    }
    return cur;
  },
  slice: (v, from, to) => (typeof v === "string" || Array.isArray(v) ? v.slice(Number(from ?? 0), to === undefined ? undefined : Number(to)) : v),
  not: (v) => !isTrue(v),
  and: (...args) => args.find((a) => !isTrue(a)) ?? args[args.length - 1],
  or: (...args) => args.find((a) => isTrue(a)) ?? args[args.length - 1],
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare("lt", a, b) < 0,
  le: (a, b) => compare("le", a, b) <= 0,
  gt: (a, b) => compare("gt", a, b) > 0,
  ge: (a, b) => compare("ge", a, b) >= 0,
  html: (s) => str(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
  js: (s) => JSON.stringify(str(s)).slice(1, -1),
  urlquery: (s) => encodeURIComponent(str(s)),
};
