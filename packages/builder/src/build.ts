import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { StrataError, errnoCode, type Descriptor, type Digest, type ImageConfig } from "@strata/core";
import { openContextHasher, statCacheFileFor, type ContextHasher } from "@strata/cache";
import { expandWord, parseDockerfile, type Stage } from "@strata/dockerfile";
import { teardownsSettled } from "@strata/layers";
import { withLease, writeImage } from "@strata/store";
import type { BuildContext } from "./context.js";
import { createIgnoreMatcher, readDockerignore } from "./copy/index.js";
import { writeBuildResult } from "./image-chain.js";
import { recoverInterruptedBuilds } from "./recover.js";
import { resolveMetaArgs } from "./stage/args.js";
import { buildStage } from "./stage/dispatch.js";
import { ensureBlob } from "./steps/materialize.js";
import { reachableStages, stageLabel, targetStage } from "./stage/select.js";
import type { StageState } from "./stage/state.js";
import type { BuildEnv, BuildRequest, BuildResult } from "./types.js";

/** Build args every build accepts without declaring them (Docker's predefined proxy args). */
const PREDEFINED_ARGS = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "SOURCE_DATE_EPOCH"];

/**
 * Builds the target stage of a Dockerfile into an image in the store and tags it. Stages the
 * target does not need are skipped; independent stages run concurrently.
 */
export async function build(env: BuildEnv, req: BuildRequest): Promise<BuildResult> {
  // The lease keeps blobs this build writes safe from a concurrent GC until they are tagged.
  return withLease(env.store, () => buildUnderLease(env, req));
}

async function buildUnderLease(env: BuildEnv, req: BuildRequest): Promise<BuildResult> {
  const file = req.dockerfileName ?? path.basename(req.dockerfilePath);
  const dockerfile = parseDockerfile(await readDockerfile(req.dockerfilePath, file), { file });
  const escape = dockerfile.escapeToken;
  const meta = resolveMetaArgs(dockerfile.metaArgs, req.buildArgs, (w, lookup) => expandWord(w, lookup, escape));
  const target = targetStage(dockerfile, req.target);
  await mkdir(path.join(env.store.root, "tmp"), { recursive: true });
  await env.runner.cleanup?.();
  await recoverInterruptedBuilds(env.store.root, env.snapshotter);

  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(req.signal?.reason);
  req.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const results = new Map<Stage, Promise<StageState>>();
  let step = 0;
  const ignore = createIgnoreMatcher(await readDockerignore(req.contextDir));
  let hasher: Promise<ContextHasher> | undefined;
  const ctx: BuildContext = {
    env,
    req,
    dockerfile,
    file,
    ignore,
    contextHasher: () =>
      (hasher ??= openContextHasher({ contextDir: req.contextDir, statCacheFile: statCacheFileFor(env.cacheDir, req.contextDir), ignore })),
    created: new Date(req.sourceDateEpoch !== undefined ? req.sourceDateEpoch * 1000 : Date.now()).toISOString().replace(/\.000Z$/, "Z"),
    stageResult: (stage) => {
      let p = results.get(stage);
      if (!p) {
        p = buildStage(ctx, stage, meta);
        p.catch(() => abort.abort());
        results.set(stage, p);
      }
      return p;
    },
    unusedArgs: new Set(Object.keys(req.buildArgs).filter((k) => !PREDEFINED_ARGS.includes(k) && !meta.has(k))),
    nextStepId: () => `#${++step}`,
    steps: [],
    signal: abort.signal,
  };
  let succeeded = false;
  try {
    const needed = reachableStages(dockerfile, target, (w) => expandWord(w, (n) => meta.get(n), escape));
    needed.forEach((s) => void ctx.stageResult(s));
    const settled = await Promise.allSettled(needed.map((s) => ctx.stageResult(s)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected" && !isCancel(r.reason));
    if (failed) throw failed.reason;
    if (req.signal?.aborted) throw new StrataError("CANCELED", "build canceled");
    const final = await ctx.stageResult(target);
    const warnings = ctx.unusedArgs.size
      ? [`one or more build-args [${[...ctx.unusedArgs].join(" ")}] were not consumed`]
      : [];
    for (const message of warnings) env.progress({ type: "warning", message });
    const stages = dockerfile.stages.map((s) => stageLabel(dockerfile, s));
    if (req.dryRun) return { tags: req.tags, stages, steps: ctx.steps, warnings };
    const config = finalizeTimes(final.config, req.sourceDateEpoch === undefined ? undefined : ctx.created);
    const remoteOnly = !(await finalLayersLocal(ctx, final.layers));
    // An image whose layers are only in a registry (a build that only pushes) is written as its
    // manifest and config alone: no tag, no step images (the store's images are always complete).
    const { manifest, configDigest } = remoteOnly
      ? await writeImage(env.store, { config, layers: final.layers }, { allowMissingLayers: true })
      : await writeBuildResult(env.store, final, config, req.tags);
    succeeded = true;
    return { imageId: configDigest, manifestDigest: manifest.digest as Digest, remoteOnly: remoteOnly || undefined, tags: req.tags, stages, steps: ctx.steps, warnings };
  } finally {
    req.signal?.removeEventListener("abort", onOuterAbort);
    if (hasher && !req.dryRun) await (await hasher).save().catch(() => {});
    // Unmounts left to run in the background (see teardownLater) end with the build; a failed
    // one fails a build that otherwise succeeded, and never hides the error of one that did not.
    const teardownError = await teardownsSettled().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (succeeded && teardownError !== undefined) throw teardownError;
  }
}

/**
 * Whether the final image's layers are all in the store, after downloading the ones only a
 * registry has (unless the request says not to: a build that only pushes never needs them).
 * Layers of other stages are never fetched for the image.
 */
async function finalLayersLocal(ctx: BuildContext, layers: Descriptor[]): Promise<boolean> {
  const missing: Descriptor[] = [];
  for (const l of layers) if (!(await ctx.env.store.content.has(l.digest))) missing.push(l);
  if (missing.length === 0) return true;
  if (ctx.req.fetchMissingLayers === false) return false;
  await Promise.all(missing.map((l) => ensureBlob(ctx, l)));
  return true;
}

/**
 * History times: with SOURCE_DATE_EPOCH every entry of this build (layer steps already carry
 * it) and the image get that time. Otherwise a layer entry keeps the time its layer was first built (so a fully cached
 * rebuild gives the same image ID), a metadata entry takes the time of the layer after it (or
 * before it, at the end), and the image is as old as its newest entry.
 */
function finalizeTimes(input: ImageConfig, epoch: string | undefined): ImageConfig {
  const config = structuredClone(input);
  const history = config.history ?? [];
  const now = new Date().toISOString();
  if (epoch) {
    for (const h of history) h.created ??= epoch;
    return { ...config, created: epoch };
  }
  let next: string | undefined;
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i]!;
    if (h.created === undefined) h.created = next;
    else next = h.created;
  }
  let prev = now;
  for (const h of history) {
    if (h.created === undefined) h.created = prev;
    else prev = h.created;
  }
  const newest = history.map((h) => h.created!).filter(Boolean).sort().at(-1) ?? now;
  return { ...config, created: newest };
}

const isCancel = (e: unknown) => e instanceof StrataError && e.code === "CANCELED";

async function readDockerfile(file: string, name: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") {
      throw new StrataError("NOT_FOUND", `failed to read dockerfile: open ${name}: no such file or directory`);
    }
    throw e;
  }
}
