import path from "node:path";
import { dockerBuild, dockerRemoveImage, dockerSave, flattenImageArchive, type FlattenedImage } from "@strata/testkit";
import type { CompatCase } from "./cases.js";
import { buildArgsFor, prebuildTag, prepareContext, type CompatBase } from "./context.js";

/** Build a case with Docker BuildKit, save it into `outDir`, flatten it. */
export async function buildCaseWithDocker(
  c: CompatCase,
  outDir: string,
  opts: { tagSuffix?: string; noCache?: boolean; base?: CompatBase } = {},
): Promise<{ tar: string; image: FlattenedImage }> {
  const ctx = await prepareContext(c, opts.base);
  for (const pre of c.spec.prebuild ?? []) {
    await dockerBuild(ctx, { dockerfile: pre.dockerfile, tag: prebuildTag(pre.tag, opts.base), noCache: opts.noCache });
  }
  const suffix = `${opts.base?.name === "bare" ? "-bare" : ""}${opts.tagSuffix ?? ""}`;
  const tag = `strata-compat/${c.name}:docker${suffix}`;
  await dockerBuild(ctx, {
    dockerfile: c.spec.dockerDockerfile ?? "Dockerfile",
    tag,
    buildArgs: buildArgsFor(c.spec.buildArgs, opts.base),
    target: c.spec.target,
    noCache: opts.noCache,
  });
  const tar = path.join(outDir, `${c.name}.docker${suffix}.tar`);
  await dockerSave(tag, tar);
  // The saved archive is what the comparison reads; images left in Docker pile up run after run
  // (each --no-cache build is a new image, the old one dangling: 70 GB over a few days here).
  for (const t of [tag, ...(c.spec.prebuild ?? []).map((p) => prebuildTag(p.tag, opts.base))]) await dockerRemoveImage(t);
  return { tar, image: await flattenImageArchive(tar) };
}
