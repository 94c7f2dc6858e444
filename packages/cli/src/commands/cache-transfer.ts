import { createReadStream } from "node:fs";
import type { BuildEnv, BuildResult } from "@strata/builder";
import type { Descriptor, Digest } from "@strata/core";
import { StrataError } from "@strata/core";
import type { registry } from "../registry-types.js";

const TYPES = ["local", "registry"];

/** `type=local,dest=DIR,mode=max` → a map of its fields. */
export function parseCacheSpec(spec: string, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of spec.split(",")) {
    const i = part.indexOf("=");
    if (i < 0) throw new StrataError("INVALID_ARGUMENT", `${flag} ${spec}: expected key=value pairs`);
    out.set(part.slice(0, i), part.slice(i + 1));
  }
  const type = out.get("type") ?? "local";
  if (!TYPES.includes(type)) {
    throw new StrataError("NOT_IMPLEMENTED", `${flag}: type=${type} is not supported (only local and registry)`, {
      hint: `${flag} type=registry,ref=HOST/REPO:TAG or type=local,${flag === "--cache-to" ? "dest" : "src"}=DIR`,
    });
  }
  out.set("type", type);
  if (type === "registry") {
    if (!out.get("ref")) throw new StrataError("INVALID_ARGUMENT", `${flag} type=registry: ref=HOST/REPO:TAG is required`);
    // strata writes BuildKit's image-manifest=true form, always OCI: the one every registry takes.
    if (out.get("image-manifest") === "false" || out.get("oci-mediatypes") === "false") {
      throw new StrataError("INVALID_ARGUMENT", `${flag}: strata always stores the cache as an OCI image manifest (image-manifest=false is not supported)`);
    }
    const c = out.get("compression");
    if (c !== undefined && c !== "gzip" && c !== "zstd") throw new StrataError("INVALID_ARGUMENT", `${flag}: compression=${c}: use gzip or zstd`);
  }
  const mode = out.get("mode");
  if (mode !== undefined && mode !== "min" && mode !== "max") throw new StrataError("INVALID_ARGUMENT", `${flag}: mode=${mode}: use min or max`);
  return out;
}

/**
 * `--cache-from type=local,src=DIR` (records and layers copied in, each layer verified) or
 * `type=registry,ref=…` (records only; layers stay in the registry until a step needs one). A
 * missing or corrupt source is a warning: the build then simply misses.
 */
export async function importCacheFrom(env: BuildEnv, spec: string, warn: (m: string) => void, client: () => Promise<registry.RegistryClient>): Promise<void> {
  const fields = parseCacheSpec(spec, "--cache-from");
  const { importCache, importCacheFromRegistry } = await import("@strata/cache");
  if (fields.get("type") === "registry") {
    const ref = fields.get("ref")!;
    try {
      await importCacheFromRegistry({ ref, cache: env.cache, content: env.store, client: await client() });
    } catch (e) {
      warn(`cache import from ${ref} failed, building without it: ${e instanceof Error ? e.message : String(e)}`);
    }
    return;
  }
  const dir = fields.get("src");
  if (!dir) throw new StrataError("INVALID_ARGUMENT", "--cache-from: src=DIR is required");
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
 * `--cache-to type=local,dest=DIR|type=registry,ref=…[,mode=min|max][,ignore-error=true|false]`:
 * mode=min exports the steps whose layers are in the final image, max every step of the build.
 * A failed export warns and keeps the build green unless ignore-error=false.
 */
export async function exportCacheTo(
  env: BuildEnv,
  spec: string,
  result: BuildResult,
  finalLayers: Digest[],
  warn: (m: string) => void,
  client: () => Promise<registry.RegistryClient>,
): Promise<void> {
  const fields = parseCacheSpec(spec, "--cache-to");
  const dir = fields.get("dest");
  if (fields.get("type") === "local" && !dir) throw new StrataError("INVALID_ARGUMENT", "--cache-to: dest=DIR is required");
  const mode = fields.get("mode") ?? "min";
  const where = fields.get("ref") ?? dir;
  const { exportCache, exportCacheToRegistry } = await import("@strata/cache");
  try {
    const keys = new Set(result.steps.flatMap((s) => (s.key ? [s.key] : [])));
    const inImage = new Set(finalLayers);
    const records = (await env.cache.list()).filter((r) => keys.has(r.key) && (mode === "max" || (r.layer && inImage.has(r.layer.digest))));
    if (fields.get("type") === "registry") {
      const compression = fields.get("compression") as "gzip" | "zstd" | undefined;
      await exportCacheToRegistry({ ref: where!, cache: env.cache, content: env.store, client: await client(), records, compression });
    } else {
      await exportCache({
        dir: dir!,
        store: env.cache,
        records,
        getBlob: async (layer) => createReadStream(env.store.content.blobPath(layer.digest)),
      });
    }
  } catch (e) {
    if (fields.get("ignore-error") === "false") throw e;
    warn(`cache export to ${where} failed (the build itself succeeded): ${e instanceof Error ? e.message : String(e)}`);
  }
}
