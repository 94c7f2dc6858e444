import { LineFault } from "../errors.js";

export type FlagKind = "string" | "bool" | "strings";

/** Parsed flag values, keyed by flag name; only flags that were given appear. Read-only. */
export interface FlagValues {
  strings: ReadonlyMap<string, string>;
  bools: ReadonlyMap<string, boolean>;
  lists: ReadonlyMap<string, string[]>;
}

/**
 * BuildKit's BFlags: `--name` or `--name=value`; unknown names, repeated single-valued flags,
 * missing values and non-boolean values for boolean flags are errors.
 */
const NO_VALUES: FlagValues = { strings: new Map(), bools: new Map(), lists: new Map() };

export function parseFlags(keyword: string, raw: readonly string[], spec: Readonly<Record<string, FlagKind>>): FlagValues {
  if (raw.length === 0) return NO_VALUES; // shared and never written: most instructions have no flags
  const out = { strings: new Map<string, string>(), bools: new Map<string, boolean>(), lists: new Map<string, string[]>() };
  const used = new Set<string>();
  for (const flag of raw) {
    if (!flag.startsWith("--")) throw new LineFault(`${keyword}: arg should start with -- : ${flag}`);
    const body = flag.slice(2);
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : body.slice(eq + 1);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!kind) throw new LineFault(`unknown flag: ${name}`);
    if (used.has(name) && kind !== "strings") throw new LineFault(`duplicate flag specified: ${name}`);
    used.add(name);
    if (kind === "bool") {
      const v = value?.toLowerCase();
      if (v !== undefined && v !== "true" && v !== "false") throw new LineFault(`expecting boolean value for flag ${name}, not: ${value}`);
      out.bools.set(name, v !== "false");
      continue;
    }
    if (value === undefined) throw new LineFault(`missing a value on flag: ${name}`);
    if (kind === "string") out.strings.set(name, value);
    else out.lists.set(name, [...(out.lists.get(name) ?? []), value]);
  }
  return out;
}
