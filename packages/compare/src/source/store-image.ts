import { closeSync, openSync, readSync } from "node:fs";
import { StrataError, chainIds, familiarName, isNotFound, type Digest, type ImageConfig, type Manifest } from "@strata/core";
import { decompressed, detectCompression, layerDiffSize } from "@strata/layers";
import { readImage, readImageGraph, type Store } from "@strata/store";
import { indexLayerFile, indexLayerStream } from "../layer/read-layer.js";
import type { ImageLayer, ImageSource, LayerReader } from "./image-source.js";
import { stepsOf } from "./steps.js";

/**
 * An image in the store. Its layers are trusted blobs, uncompressed as strata stores them, so
 * they are indexed in place (headers only). `history` IDs come from the step images the
 * builder recorded: the chain of PARENT annotations, each image naming the history entry its
 * own history ends with.
 */
export async function storeImage(store: Store, ref: string, reader: LayerReader, sizeCacheDir: string): Promise<ImageSource> {
  let image;
  try {
    image = await readImage(store, ref);
  } catch (e) {
    if (isNotFound(e)) throw new StrataError("NOT_FOUND", `image ${ref}: not found in the store`);
    throw e;
  }
  const config = image.config;
  const what = `image ${ref}`;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== image.manifest.layers.length) {
    throw new StrataError("INVALID_ARGUMENT", `${what}: the config lists ${diffIds.length} layers but the manifest has ${image.manifest.layers.length}`);
  }
  const steps = stepsOf(config, diffIds.length, what);
  const chains = chainIds(diffIds);
  const layers: ImageLayer[] = image.manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: diffIds[i]!, chainId: chains[i]! }));
  let chain: Promise<{ ids: (Digest | undefined)[]; keys: (Digest | undefined)[] }> | undefined;
  const stepChain = () => (chain ??= walkStepImages(store, image.configDigest, config));
  return {
    ref,
    transport: "store",
    name: image.name ? familiarName(image.name) : undefined,
    id: image.configDigest,
    manifestDigest: image.manifestDesc.digest,
    config,
    layers,
    steps,
    layerIndex: (i) =>
      reader.read(layers[i]!.diffId, async () => {
        const file = store.content.blobPath(layers[i]!.digest);
        if (isPlainTar(file)) return indexLayerFile(file);
        return indexLayerStream(decompressed(store.content.read(layers[i]!.digest)), { what: `${what}: layer ${i + 1}`, diffId: layers[i]!.diffId });
      }),
    layerSize: (i) => layerDiffSize(store.content, image.manifest.layers[i]!, sizeCacheDir),
    stepImages: async () => (await stepChain()).ids,
    stepKeys: async () => (await stepChain()).keys,
  };
}

function isPlainTar(file: string): boolean {
  const head = Buffer.alloc(4);
  const fd = openSync(file, "r");
  try {
    return detectCompression(head.subarray(0, readSync(fd, head, 0, 4, 0))) === "none";
  } finally {
    closeSync(fd);
  }
}

/**
 * Follows the image's parents while each is a prefix of it (same history entries, same
 * layers): each gives its ID (and the step's cache key) to the entry its history ends with.
 */
async function walkStepImages(store: Store, id: Digest, config: ImageConfig): Promise<{ ids: (Digest | undefined)[]; keys: (Digest | undefined)[] }> {
  const history = config.history ?? [];
  const ids: (Digest | undefined)[] = history.map(() => undefined);
  const keys: (Digest | undefined)[] = history.map(() => undefined);
  const graph = await readImageGraph(store);
  const seen = new Set<Digest>();
  for (let node = graph.byId.get(id); node && !seen.has(node.id); node = node.parent ? graph.byId.get(node.parent) : undefined) {
    seen.add(node.id);
    const cfg = node.id === id ? config : await configOf(store, node.manifests[0]!.digest);
    const n = cfg?.history?.length ?? 0;
    if (!cfg || n === 0 || n > history.length || !isPrefix(cfg, config)) break;
    ids[n - 1] ??= node.id;
    keys[n - 1] ??= node.stepKey;
  }
  return { ids, keys };
}

async function configOf(store: Store, manifest: Digest): Promise<ImageConfig | undefined> {
  try {
    const m = await store.content.readJSON<Manifest>(manifest);
    return await store.content.readJSON<ImageConfig>(m.config.digest);
  } catch {
    return undefined;
  }
}

function isPrefix(a: ImageConfig, b: ImageConfig): boolean {
  const ha = a.history ?? [];
  const hb = b.history ?? [];
  if (!ha.every((h, i) => h.created_by === hb[i]?.created_by && !!h.empty_layer === !!hb[i]?.empty_layer)) return false;
  const da = a.rootfs?.diff_ids ?? [];
  const db = b.rootfs?.diff_ids ?? [];
  return da.every((d, i) => d === db[i]);
}
