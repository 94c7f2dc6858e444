import path from "node:path";
import { flattenImageArchive, type FlattenedImage } from "@strata/testkit";
import type { CompatCase } from "./cases.js";
import { buildArgsFor, prebuildTag, prepareContext, type CompatBase } from "./context.js";
import { strata } from "./strata-cli.js";

export type StorageDriver = "overlay" | "native";

/** A strata root with the base image loaded (one per storage driver, base and test file). */
export async function loadBaseIntoStrata(root: string, driver: StorageDriver, busyboxTar: string): Promise<void> {
  await strata(root, driver, ["load", "-i", busyboxTar]);
}

function buildArgs(dockerfile: string, tag: string, ctx: string, extra: { buildArgs?: Record<string, string>; target?: string }): string[] {
  const args = ["build", "-t", tag, "-f", path.join(ctx, dockerfile)];
  for (const [k, v] of Object.entries(extra.buildArgs ?? {})) args.push("--build-arg", `${k}=${v}`);
  if (extra.target) args.push("--target", extra.target);
  args.push(ctx);
  return args;
}

/** Build a case with strata into `root`, `strata save` it into `outDir`, flatten it. */
export async function buildCaseWithStrata(
  c: CompatCase,
  root: string,
  driver: StorageDriver,
  outDir: string,
  base: CompatBase = { name: "busybox" },
): Promise<{ tar: string; image: FlattenedImage }> {
  const ctx = await prepareContext(c, base);
  for (const pre of c.spec.prebuild ?? []) {
    await strata(root, driver, buildArgs(pre.dockerfile, prebuildTag(pre.tag, base), ctx, {}));
  }
  const tag = `compat/${c.name}:${base.name}`;
  await strata(root, driver, buildArgs("Dockerfile", tag, ctx, { ...c.spec, buildArgs: buildArgsFor(c.spec.buildArgs, base) }));
  const tar = path.join(outDir, `${c.name}.strata-${driver}-${base.name}.tar`);
  await strata(root, driver, ["save", "-o", tar, tag]);
  return { tar, image: await flattenImageArchive(tar) };
}
