import { usageError } from "./errors.js";

/**
 * Docker's `--filter key=value` (repeatable): values of one key are alternatives, different
 * keys must all match. An unknown key is an error, as the daemon answers `invalid filter`.
 */
export class Filters {
  private readonly map = new Map<string, string[]>();

  add(key: string, value: string): void {
    this.map.set(key, [...(this.map.get(key) ?? []), value]);
  }

  values(key: string): string[] {
    return this.map.get(key) ?? [];
  }

  has(key: string): boolean {
    return this.map.has(key);
  }
}

export function parseFilters(specs: readonly string[], allowed: readonly string[]): Filters {
  const filters = new Filters();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw usageError(`bad format of filter (expected name=value): ${spec}`);
    const key = spec.slice(0, eq).trim().toLowerCase();
    if (!allowed.includes(key)) throw usageError(`invalid filter '${spec.slice(0, eq)}'`);
    filters.add(key, spec.slice(eq + 1));
  }
  return filters;
}
