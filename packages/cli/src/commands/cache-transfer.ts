import { createReadStream } from "node:fs";
import type { BuildEnv, BuildResult } from "@strata/builder";
import type { Descriptor, Digest } from "@strata/core";
import { StrataError } from "@strata/core";

/** `type=local,dest=DIR,mode=max` → a map of its fields. */
export function parseCacheSpec(spec: string, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of spec.split(",")) {
    const i = part.indexOf("=");
    if (i < 0) throw new StrataError("INVALID_ARGUMENT", `${flag} ${spec}: expected key=value pairs`);
    out.set(part.slice(0, i), part.slice(i + 1));
  }
  if ((out.get("type") ?? "local") !== "local") {
    throw new StrataError("NOT_IMPLEMENTED", `${flag}: only type=local is supported`, { hint: `${flag} type=local,${flag === "--cache-to" ? "dest" : "src"}=DIR` });
  }
  return out;
}

/**
 * `--cache-from type=local,src=DIR`: imports records and layers, each layer verified by
 * digest. A missing or corrupt source is a warning: the build then simply misses.
 */
export async function importCacheFrom(env: BuildEnv, spec: string, warn: (m: string) => void): Promise<void> {
  const fields = parseCacheSpec(spec, "--cache-from");
  const dir = fields.get("src");
  if (!dir) throw new StrataError("INVALID_ARGUMENT", "--cache-from: src=DIR is required");
  const { importCache } = await import("@strata/cache");
  try {
    await importCache({
      dir,
      store: env.cache,
      putBlob: async (layer: Descriptor, data: AsyncIterable<Uint8Array>) => {
        if (await env.store.content.has(layer.digest)) return;
        await env.store.content.ingest(data, { ref: `cache-import-${layer.digest}`, expected: layer.digest, size: layer.size });
      },
    });
  } catch (e) {
    warn(`cache import from ${dir} failed, building without it: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * `--cache-to type=local,dest=DIR[,mode=min|max][,ignore-error=true|false]`: mode=min exports
 * the steps whose layers are in the final image, max every step of the build. A failed export
 * warns and keeps the build green unless ignore-error=false.
 */
export async function exportCacheTo(env: BuildEnv, spec: string, result: BuildResult, finalLayers: Digest[], warn: (m: string) => void): Promise<void> {
  const fields = parseCacheSpec(spec, "--cache-to");
  const dir = fields.get("dest");
  if (!dir) throw new StrataError("INVALID_ARGUMENT", "--cache-to: dest=DIR is required");
  const mode = fields.get("mode") ?? "min";
  const { exportCache } = await import("@strata/cache");
  try {
    const keys = new Set(result.steps.flatMap((s) => (s.key ? [s.key] : [])));
    const inImage = new Set(finalLayers);
    const records = (await env.cache.list()).filter((r) => keys.has(r.key) && (mode === "max" || (r.layer && inImage.has(r.layer.digest))));
    await exportCache({
      dir,
      store: env.cache,
      records,
      getBlob: async (layer) => createReadStream(env.store.content.blobPath(layer.digest)),
    });
  } catch (e) {
    if (fields.get("ignore-error") === "false") throw e;
    warn(`cache export to ${dir} failed (the build itself succeeded): ${e instanceof Error ? e.message : String(e)}`);
  }
}
