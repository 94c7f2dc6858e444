import { hostPlatform } from "@strata/core";
import type { ArgInstruction } from "@strata/dockerfile";

/** The platform ARGs BuildKit defines automatically in the global scope. */
export function platformArgs(): Map<string, string> {
  const { os, architecture, variant } = hostPlatform();
  const platform = `${os}/${architecture}${variant ? `/${variant}` : ""}`;
  const out = new Map<string, string>();
  for (const prefix of ["TARGET", "BUILD"]) {
    out.set(`${prefix}PLATFORM`, platform);
    out.set(`${prefix}OS`, os);
    out.set(`${prefix}ARCH`, architecture);
    out.set(`${prefix}VARIANT`, variant ?? "");
  }
  return out;
}

/** The ARGs before the first FROM, with build-arg overrides: what FROM lines expand against. */
export function resolveMetaArgs(
  metaArgs: readonly ArgInstruction[],
  buildArgs: Record<string, string>,
  expand: (word: string, lookup: (name: string) => string | undefined) => string,
): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>(platformArgs());
  for (const instr of metaArgs) {
    for (const { key, value } of instr.args) {
      if (key in buildArgs) values.set(key, buildArgs[key]);
      else values.set(key, value === undefined ? undefined : expand(value, (n) => values.get(n)));
    }
  }
  return values;
}
