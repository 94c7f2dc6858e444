import { createReadStream } from "node:fs";
import { MediaType, StrataError, canonicalJSON, isDigest, parseReference, sha256, type Descriptor, type Digest, type ImageConfig, type Manifest } from "@strata/core";
import { compressLayer } from "./compress-layer.js";
import type { Store } from "../store.js";
import { splitRepository, type RegistryClient } from "./client.js";
import { mapLimited } from "./limit.js";
import { noTransferProgress, shortId, type TransferSink } from "./progress.js";
import type { Repository } from "./repository.js";
import { spool, type Spooled } from "./spool.js";
import { RegistryState } from "./state.js";

export type PushCompression = "gzip" | "zstd";

const UNCOMPRESSED = new Set<string>([MediaType.ociLayer, MediaType.dockerLayer]);
const COMPRESSED_TYPE: Record<PushCompression, string> = { gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd };
/** Docker's layer types as their OCI equivalents, for a layer that moves into an OCI manifest. */
const OCI_EQUIVALENT: Record<string, string> = {
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  [MediaType.dockerLayer]: MediaType.ociLayer,
  [MediaType.dockerConfig]: MediaType.ociConfig,
};

export interface BlobPusherOptions {
  compression?: PushCompression;
  progress?: TransferSink;
}

/**
 * Puts blobs into one repository, never uploading what is there: HEAD first, then a
 * cross-repository mount from any repository on the same registry known to hold the blob,
 * and only then an upload. Uncompressed layers (strata's own) are compressed first (pigz or
 * zstd on every core; stored gzip blocks for data that does not compress, see compressLayer),
 * and the digest that gave is remembered, so the next push of the layer is one HEAD.
 */
export class BlobPusher {
  readonly state: RegistryState;
  readonly compression: PushCompression;
  private progress: TransferSink;

  constructor(
    private readonly store: Store,
    private readonly client: RegistryClient,
    readonly repo: Repository,
    opts: BlobPusherOptions = {},
  ) {
    this.state = new RegistryState(store.root);
    this.compression = opts.compression ?? "gzip";
    this.progress = opts.progress ?? noTransferProgress;
  }

  private get target() {
    return splitRepository(this.repo.name);
  }

  /** Pushes a layer; returns the descriptor the manifest lists (compressed). `id` names it in progress. */
  async pushLayer(layer: Descriptor, id: string): Promise<Descriptor> {
    const status = (s: string, extra: { current?: number; total?: number } = {}) => this.progress({ type: "blob", id, status: s, ...extra });
    if (/foreign|nondistributable/.test(layer.mediaType)) return layer;
    if (UNCOMPRESSED.has(layer.mediaType) || !layer.mediaType) {
      const algo = this.compression;
      const known = this.state.compressed(layer.digest, algo);
      if (known && (await this.present(known, status))) return known;
      const spooled = await this.compress(layer, algo);
      try {
        const desc: Descriptor = { mediaType: COMPRESSED_TYPE[algo], digest: spooled.digest, size: spooled.size };
        await this.state.rememberCompressed(layer.digest, algo, desc);
        if (desc.digest !== known?.digest && (await this.present(desc, status))) return desc;
        await this.repo.uploadBlob(
          { digest: desc.digest, size: desc.size, open: () => createReadStream(spooled.path, { highWaterMark: 1 << 20 }) },
          { onBytes: (n) => status("Pushing", { current: n, total: desc.size }) },
        );
        await this.remember(desc.digest);
        status("Pushed");
        return desc;
      } finally {
        await spooled.remove();
      }
    }
    const desc: Descriptor = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
    if (await this.present(desc, status)) return desc;
    await this.upload(desc, (n) => status("Pushing", { current: n, total: desc.size }));
    status("Pushed");
    return desc;
  }

  /**
   * Compresses an uncompressed layer (pigz or zstd on every core) to a temporary file, so its
   * digest is known before anything is sent and the registry is asked for it first. The digest
   * is remembered (RegistryState): the next push of the layer is a HEAD, with no compression.
   */
  private async compress(layer: Descriptor, algo: PushCompression): Promise<Spooled> {
    if (!(await this.store.content.has(layer.digest))) {
      throw new StrataError("NOT_FOUND", `push to ${this.repo.name}: layer ${layer.digest} is not in the store`);
    }
    return spool(this.store.root, compressLayer(algo, this.store.content.blobPath(layer.digest), `layer ${layer.digest}`));
  }

  /** Pushes a small document (a config) held in the store; HEAD first. */
  async pushStored(desc: Descriptor): Promise<void> {
    await this.pushBytes(await this.store.content.readBytes(desc.digest), desc.mediaType);
  }

  /** Pushes a small document in memory (an image or cache config); HEAD first. */
  async pushBytes(bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const desc: Descriptor = { mediaType, digest: sha256(bytes), size: bytes.length };
    if ((await this.repo.headBlob(desc.digest)) === undefined) {
      await this.repo.uploadBlob({ digest: desc.digest, size: bytes.length, open: async function* () { yield bytes; } });
    }
    await this.remember(desc.digest);
    return desc;
  }

  /** True when the repository has the blob already, or it could be mounted from another one. */
  private async present(desc: Descriptor, status: (s: string) => void): Promise<boolean> {
    if ((await this.repo.headBlob(desc.digest)) !== undefined) {
      status("Layer already exists");
      await this.remember(desc.digest);
      return true;
    }
    const { host, path } = this.target;
    for (const src of this.state.sources(desc.digest)) {
      if (src.host !== host || src.repository === path) continue;
      const r = await this.repo.mountBlob(desc.digest, src.repository);
      if (r.mounted) {
        status(`Mounted from ${src.repository}`);
        await this.remember(desc.digest);
        return true;
      }
    }
    return false;
  }

  /** Uploads a blob the manifest names as is: from the store, or streamed from another registry. */
  private async upload(desc: Descriptor, onBytes: (n: number) => void): Promise<void> {
    if (await this.store.content.has(desc.digest)) {
      const file = this.store.content.blobPath(desc.digest);
      await this.repo.uploadBlob({ digest: desc.digest, size: desc.size, open: () => createReadStream(file, { highWaterMark: 1 << 20 }) }, { onBytes });
    } else {
      const src = this.state.sources(desc.digest).find((s) => s.host !== this.target.host);
      if (!src) throw new StrataError("NOT_FOUND", `push to ${this.repo.name}: blob ${desc.digest} is neither in the store nor in a known registry`);
      await this.copyFrom(src, desc, onBytes);
    }
    await this.remember(desc.digest);
  }

  /** A blob on another registry, streamed through (verified by the target registry's digest check). */
  private async copyFrom(src: { host: string; repository: string }, desc: Descriptor, onBytes: (n: number) => void): Promise<void> {
    const from = this.client.repository({ host: src.host, path: src.repository });
    const { PassThrough } = await import("node:stream");
    await this.repo.uploadBlob(
      {
        digest: desc.digest,
        size: desc.size,
        open: () => {
          const pipe = new PassThrough();
          let n = 0;
          const sink = {
            get offset() {
              return n;
            },
            write: async (c: Uint8Array) => {
              n += c.length;
              if (!pipe.write(c)) await new Promise((r) => pipe.once("drain", r));
            },
            reset: async () => {
              throw new StrataError("UNAVAILABLE", `copy blob ${desc.digest} from ${src.host}: the source restarted the download`);
            },
          };
          from.fetchBlob(desc.digest, sink).then(() => pipe.end(), (e: unknown) => pipe.destroy(e as Error));
          return pipe;
        },
      },
      { onBytes },
    );
  }

  private async remember(digest: Digest): Promise<void> {
    await this.state.addSource(digest, { host: this.target.host, repository: this.target.path });
  }
}

export interface PushOptions extends BlobPusherOptions {
  client: RegistryClient;
  /** Parallel layer uploads (Docker's default: 5). */
  concurrency?: number;
}

export interface PushResult {
  digest: Digest;
  size: number;
  mediaType: string;
  /** The repository and tag pushed to. */
  name: string;
}

/**
 * `push`: the image whose manifest is `manifestDigest` in the store, to `reference` (a tag).
 * Layers the store keeps compressed (pulled ones) go as they are and the stored manifest is
 * pushed byte for byte (same digest); otherwise a new OCI manifest lists the compressed blobs.
 */
export async function pushImage(store: Store, manifestDigest: Digest, reference: string, opts: PushOptions): Promise<PushResult> {
  const ref = parseReference(reference);
  if (ref.digest || !ref.tag) throw new StrataError("INVALID_ARGUMENT", `push ${reference}: push needs a tag, not a digest`);
  const progress = opts.progress ?? noTransferProgress;
  const repo = opts.client.repository(ref.repository);
  progress({ type: "message", text: `The push refers to repository [${ref.repository.replace(/^docker\.io\//, "docker.io/")}]` });
  const stored = await store.content.readBytes(manifestDigest);
  const manifest = JSON.parse(stored.toString("utf8")) as Manifest;
  const config = await store.content.readJSON<ImageConfig>(manifest.config.digest);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const pusher = new BlobPusher(store, opts.client, repo, opts);
  const ids = manifest.layers.map((l, i) => shortId(diffIds[i] ?? l.digest));
  const unique = [...new Map(manifest.layers.map((l, i) => [l.digest, i])).values()];
  // Docker lists the layers top first.
  for (const i of [...unique].reverse()) progress({ type: "blob", id: ids[i]!, status: "Preparing" });
  const pushedByDigest = new Map<Digest, Descriptor>();
  await mapLimited(
    [...unique].reverse(),
    opts.concurrency ?? 5,
    async (i) => {
      const layer = manifest.layers[i]!;
      pushedByDigest.set(layer.digest, await pusher.pushLayer(layer, ids[i]!));
    },
    (i) => progress({ type: "blob", id: ids[i]!, status: "Waiting" }),
  );
  await pusher.pushStored(manifest.config);
  const pushed = manifest.layers.map((l) => pushedByDigest.get(l.digest)!);
  const unchanged = pushed.every((p, i) => p.digest === manifest.layers[i]!.digest);
  let bytes: Buffer;
  let mediaType: string;
  if (unchanged && (manifest.mediaType === MediaType.dockerManifest || manifest.mediaType === MediaType.ociManifest)) {
    bytes = stored;
    mediaType = manifest.mediaType;
  } else {
    bytes = Buffer.from(canonicalJSON(ociManifest(manifest.config, pushed)));
    mediaType = MediaType.ociManifest;
  }
  const digest = await repo.putManifest(ref.tag, bytes, mediaType);
  if (!isDigest(digest)) throw new StrataError("INTERNAL", `push ${reference}: bad manifest digest`);
  await pusher.state.addRepoDigest(manifest.config.digest, ref.repository, digest);
  progress({ type: "message", text: `${ref.tag}: digest: ${digest} size: ${bytes.length}` });
  return { digest, size: bytes.length, mediaType, name: reference };
}

/** An OCI image manifest over pushed blobs: Docker media types become their OCI equivalents. */
export function ociManifest(config: Descriptor, layers: Descriptor[]): Manifest {
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: OCI_EQUIVALENT[config.mediaType] ?? config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: OCI_EQUIVALENT[l.mediaType] ?? l.mediaType, digest: l.digest, size: l.size })),
  };
}
