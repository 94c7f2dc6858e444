import { mkdir, mkdtemp } from "node:fs/promises";
import path from "node:path";
import { StrataError, cleanPath, sha256, hexOf } from "@strata/core";
import { mountStageView } from "./stage-view.js";
import { materialize } from "./materialize.js";
import type { StepInput } from "@strata/cache";
import type { BindMount } from "@strata/runner";
import type { BuildContext } from "../context.js";
import { findStage } from "../stage/select.js";

/** Parses `type=cache,target=/root/.cache,id=x` into a map. */
function parseMountSpec(spec: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of spec.split(",")) {
    const i = part.indexOf("=");
    out.set(i < 0 ? part : part.slice(0, i), i < 0 ? "true" : part.slice(i + 1));
  }
  return out;
}

/**
 * What a RUN's mounts read, as cache inputs: a stage's key for `from=`, the content checksum
 * of the context path for a context bind. Cache and tmpfs mounts never count.
 */
export async function mountInputs(ctx: BuildContext, specs: readonly string[]): Promise<Record<string, StepInput>> {
  const inputs: Record<string, StepInput> = {};
  for (const spec of specs) {
    const m = parseMountSpec(spec);
    if ((m.get("type") ?? "bind") !== "bind") continue;
    const target = m.get("target") ?? m.get("dst") ?? m.get("destination") ?? "";
    const from = m.get("from");
    const source = m.get("source") ?? m.get("src") ?? ".";
    if (!from) {
      inputs[`mount:${target}`] = await (await ctx.contextHasher()).checksum([source]);
      continue;
    }
    const stage = findStage(ctx.dockerfile, from);
    const key = stage ? (await ctx.stageResult(stage)).key : undefined;
    inputs[`from:${from}`] = key ?? from;
  }
  return inputs;
}

/**
 * `RUN --mount` support: `bind` (context or another stage, read-only unless `rw`), `cache`
 * (a directory kept in the store across builds, never in a layer) and `tmpfs` (an empty
 * scratch directory). Returns bind mounts for the runner and a release function.
 */
export async function resolveRunMounts(
  ctx: BuildContext,
  specs: readonly string[],
  scratch: () => Promise<string>,
): Promise<{ mounts: BindMount[]; release: () => Promise<void> }> {
  const mounts: BindMount[] = [];
  const releases: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const r of releases.reverse()) await r().catch(() => {});
  };
  try {
    for (const spec of specs) {
      const m = parseMountSpec(spec);
      const type = m.get("type") ?? "bind";
      const target = m.get("target") ?? m.get("dst") ?? m.get("destination");
      if (!target) throw new StrataError("INVALID_ARGUMENT", `--mount ${spec}: target is required`);
      const readonly = type === "bind" ? !(m.has("rw") || m.get("readwrite") === "true") : m.get("ro") === "true" || m.get("readonly") === "true";
      if (type === "cache") {
        const id = m.get("id") ?? target;
        const dir = path.join(ctx.env.store.root, "cache-mounts", hexOf(sha256(id)).slice(0, 32));
        await mkdir(dir, { recursive: true });
        mounts.push({ source: dir, destination: target, readonly });
      } else if (type === "tmpfs") {
        mounts.push({ source: await mkdtemp(path.join(await scratch(), "tmpfs-")), destination: target });
      } else if (type === "bind") {
        const from = m.get("from");
        const source = cleanPath(m.get("source") ?? m.get("src") ?? "/");
        if (!from) {
          mounts.push({ source: path.join(ctx.req.contextDir, source), destination: target, readonly });
          continue;
        }
        const stage = findStage(ctx.dockerfile, from);
        if (!stage) throw new StrataError("NOT_FOUND", `--mount from=${from}: no such stage`);
        const state = await ctx.stageResult(stage);
        const { dir, release: unmount } = await mountStageView(ctx, await materialize(ctx, state), await scratch());
        releases.push(unmount);
        mounts.push({ source: path.join(dir, source), destination: target, readonly });
      } else {
        throw new StrataError("NOT_IMPLEMENTED", `--mount type=${type} is not supported`, { hint: "supported: bind, cache, tmpfs" });
      }
    }
  } catch (e) {
    await release();
    throw e;
  }
  return { mounts, release };
}
