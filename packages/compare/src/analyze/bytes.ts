import { StrataError } from "@strata/core";

const UNITS: Record<string, number> = { "": 1, b: 1 };
for (const [i, p] of ["k", "m", "g", "t", "p", "e"].entries()) {
  UNITS[p] = UNITS[`${p}b`] = 1000 ** (i + 1);
  UNITS[`${p}i`] = UNITS[`${p}ib`] = 1024 ** (i + 1);
}

/**
 * A byte count as dive reads one (go-humanize's ParseBytes): "20MB" and "20mb" are 20,000,000,
 * "1GiB" is 2^30, a bare number is bytes; spaces and "," separators are allowed.
 */
export function parseBytes(text: string): number {
  const m = /^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new StrataError("INVALID_ARGUMENT", `invalid byte size ${JSON.stringify(text)} (e.g. 20MB, 1GiB, 500000)`);
  return Math.round(Number(m[1]!.replaceAll(",", "")) * unit);
}
