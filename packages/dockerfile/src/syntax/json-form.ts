import { LineFault } from "../errors.js";
import { trimLeftSpace } from "./unicode.js";

export const NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The exec (JSON) form: the text must start with `[` and be one valid JSON array.
 * Returns its strings, or undefined when the text is not JSON (the caller falls back to the
 * shell form). A valid array with a non-string element is an error, as in BuildKit.
 */
export function parseJsonArray(text: string): string[] | undefined {
  const rest = trimLeftSpace(text);
  if (rest.charCodeAt(0) !== 0x5b /* [ */) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(rest);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  // Go's decoder rejects numbers beyond float64 before looking at element types.
  if (value.some((v) => typeof v === "number" && !Number.isFinite(v))) return undefined;
  const out: string[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v !== "string") throw new LineFault(NOT_STRING_ARRAY);
    // Go decodes an unpaired surrogate escape to U+FFFD.
    out[i] = v.replace(LONE_SURROGATE, "\ufffd");
  }
  return out;
}
