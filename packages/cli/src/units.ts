import { StrataError } from "@strata/core";

/** "24h", "90m", "7d", "30s" → milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s.trim());
  if (!m) throw new StrataError("INVALID_ARGUMENT", `invalid duration: ${s}`, { hint: "e.g. 30m, 24h, 7d" });
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}

/** "10GB", "512MB", "1.5g", "1024" → bytes (decimal units, as Docker's RAMInBytes-free parser). */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?$/i.exec(s.trim());
  if (!m) throw new StrataError("INVALID_ARGUMENT", `invalid size: ${s}`, { hint: "e.g. 512MB, 10GB" });
  const unit = (m[2] ?? "").toLowerCase().replace(/i?b$/, "");
  const binary = /i/i.test(m[2] ?? "");
  const base = binary ? 1024 : 1000;
  const power = { "": 0, k: 1, m: 2, g: 3, t: 4 }[unit as "" | "k" | "m" | "g" | "t"] ?? 0;
  return Math.round(Number(m[1]) * base ** power);
}
