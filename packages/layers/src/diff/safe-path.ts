import { StrataError } from "@strata/core";

/**
 * A tar entry name as a clean relative path ("a/b"), or "" for the root. Absolute names and
 * any ".." component are refused outright (umoci's `normalise`), whatever they would resolve to.
 */
export function normaliseEntryName(name: string): string {
  if (name.startsWith("/")) throw escape(name, "absolute name");
  if (name.includes("\0")) throw escape(name, "NUL in name");
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw escape(name, "'..' component");
    parts.push(part);
  }
  return parts.join("/");
}

function escape(name: string, why: string): StrataError {
  return new StrataError("INVALID_ARGUMENT", `layer entry ${JSON.stringify(name)} escapes the root: ${why}`, {
    detail: { name },
  });
}

export const splitRel = (rel: string): { dir: string; base: string } => {
  const i = rel.lastIndexOf("/");
  return { dir: i < 0 ? "" : rel.slice(0, i), base: rel.slice(i + 1) };
};
