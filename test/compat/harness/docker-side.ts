import path from "node:path";
import { dockerBuild, dockerRemoveImage, dockerSave, flattenImageArchive, type FlattenedImage } from "@strata/testkit";
import type { CompatCase } from "./cases.js";
import { prepareContext } from "./context.js";

/** Build a case with Docker BuildKit, save it into `outDir`, flatten it. */
export async function buildCaseWithDocker(
  c: CompatCase,
  outDir: string,
  opts: { tagSuffix?: string; noCache?: boolean } = {},
): Promise<{ tar: string; image: FlattenedImage }> {
  const ctx = await prepareContext(c);
  for (const pre of c.spec.prebuild ?? []) {
    await dockerBuild(ctx, { dockerfile: pre.dockerfile, tag: pre.tag, noCache: opts.noCache });
  }
  const tag = `strata-compat/${c.name}:docker${opts.tagSuffix ?? ""}`;
  await dockerBuild(ctx, {
    dockerfile: c.spec.dockerDockerfile ?? "Dockerfile",
    tag,
    buildArgs: c.spec.buildArgs,
    target: c.spec.target,
    noCache: opts.noCache,
  });
  const tar = path.join(outDir, `${c.name}.docker${opts.tagSuffix ?? ""}.tar`);
  await dockerSave(tag, tar);
  // The saved archive is what the comparison reads; images left in Docker pile up run after run
  // (each --no-cache build is a new image, the old one dangling: 70 GB over a few days here).
  for (const t of [tag, ...(c.spec.prebuild ?? []).map((p) => p.tag)]) await dockerRemoveImage(t);
  return { tar, image: await flattenImageArchive(tar) };
}
