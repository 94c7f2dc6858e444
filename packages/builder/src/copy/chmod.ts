import { StrataError } from "@strata/core";

/**
 * Parse a `--chmod` value. Octal only ("755", "0644", "4755"); BuildKit's newer symbolic forms
 * ("u+x") are rejected with a clear message.
 */
export function parseChmod(spec: string): number {
  const s = spec.trim();
  if (/^[0-7]{1,4}$/.test(s)) return Number.parseInt(s, 8);
  const symbolic = /^[ugoa]*[-+=]/.test(s);
  throw new StrataError("INVALID_ARGUMENT", `invalid --chmod value ${JSON.stringify(spec)}: expected an octal mode such as 755 or 0644`, {
    hint: symbolic ? "symbolic modes (u+x) are not supported yet; use the octal form" : undefined,
  });
}
