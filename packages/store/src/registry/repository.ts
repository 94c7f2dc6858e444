import { Hasher, MediaType, StrataError, isDigest, sha256, type Digest } from "@strata/core";
import { networkError, isRetryableNetworkError, responseError } from "./errors.js";
import { BodyTooLargeError, type HttpResponse } from "./http.js";
import { backoffMs, sleep } from "./retry.js";
import type { RegistryHost } from "./transport.js";

/** Every manifest type pull understands, as the Accept header lists them. */
export const MANIFEST_TYPES = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest] as const;

/** The most a manifest may weigh (Docker's and containerd's limit). */
export const MAX_MANIFEST_BYTES = 4 << 20;

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
}

/** Bytes of a blob to upload; `open` is called again when an upload starts over. */
export interface BlobSource {
  digest?: Digest;
  size?: number;
  open: () => AsyncIterable<Uint8Array>;
}

export interface UploadOptions {
  /** An upload session already started (e.g. by a mount the registry declined). */
  location?: string;
  /** Split into PATCH requests of this many bytes (default: one streamed PATCH, as Docker does). */
  chunkSize?: number;
  onBytes?: (sent: number) => void;
}

/** A sink a blob download writes into; `reset` starts it over when a resume is refused. */
export interface BlobSink {
  readonly offset: number;
  write(chunk: Uint8Array): Promise<void>;
  reset(): Promise<void>;
}

/** One repository on a registry: the distribution API's blob and manifest endpoints. */
export class Repository {
  constructor(
    readonly host: RegistryHost,
    /** The repository path on the registry: "library/busybox". */
    readonly path: string,
  ) {}

  /** "127.0.0.1:5000/app", as errors and progress name it. */
  get name(): string {
    return `${this.host.name}/${this.path}`;
  }

  get pullScope(): string {
    return `repository:${this.path}:pull`;
  }

  get pushScope(): string {
    return `repository:${this.path}:pull,push`;
  }

  /** GET a manifest by tag or digest, verified against its digest (and against the ref when it is one). */
  async getManifest(reference: string, accept: readonly string[] = MANIFEST_TYPES): Promise<FetchedManifest> {
    const what = `${this.name}${refSuffix(reference)}`;
    const res = await this.host.request({
      method: "GET",
      path: `/v2/${this.path}/manifests/${reference}`,
      headers: { accept: accept.join(", ") },
      scopes: [this.pullScope],
      what: `pull ${what}`,
    });
    if (res.status === 404) {
      await res.drain();
      throw new StrataError("NOT_FOUND", `${what}: manifest unknown: not found in the registry`, {
        hint: `check the name and tag; \`strata login ${this.host.name}\` if the repository is private`,
        detail: { status: 404 },
      });
    }
    if (res.status !== 200) throw await responseError(res, `pull ${what}`, this.host.name);
    const declared = Number(res.headers["content-length"]);
    if (declared > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw tooLarge(what);
    }
    let bytes: Buffer;
    try {
      bytes = await res.bytes(MAX_MANIFEST_BYTES);
    } catch (e) {
      if (e instanceof BodyTooLargeError) throw tooLarge(what);
      throw networkError(e, `pull ${what}`, this.host.name);
    }
    const digest = sha256(bytes);
    const claimed = res.headers["docker-content-digest"];
    if (isDigest(reference) && reference !== digest) {
      throw new StrataError("DIGEST_MISMATCH", `${what}: the registry sent a manifest whose digest is ${digest}`);
    }
    if (typeof claimed === "string" && isDigest(claimed) && claimed !== digest && !isDigest(reference)) {
      throw new StrataError("DIGEST_MISMATCH", `${what}: manifest digest ${digest} does not match the registry's Docker-Content-Digest ${claimed}`);
    }
    const mediaType = mediaTypeOf(bytes, res.headers["content-type"], what);
    return { bytes, mediaType, digest };
  }

  /** HEAD a manifest: its digest, type and size, or undefined when the tag is unknown. */
  async headManifest(reference: string): Promise<{ digest?: Digest; mediaType: string; size: number } | undefined> {
    const res = await this.host.request({
      method: "HEAD",
      path: `/v2/${this.path}/manifests/${reference}`,
      headers: { accept: MANIFEST_TYPES.join(", ") },
      scopes: [this.pullScope],
      what: `look up ${this.name}${refSuffix(reference)}`,
    });
    await res.drain();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await responseError(res, `look up ${this.name}${refSuffix(reference)}`, this.host.name);
    const d = res.headers["docker-content-digest"];
    return { digest: typeof d === "string" && isDigest(d) ? d : undefined, mediaType: String(res.headers["content-type"] ?? "").split(";")[0]!, size: Number(res.headers["content-length"] ?? 0) };
  }

  /** PUT a manifest under a tag (or its digest); returns its digest. */
  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    const what = `push manifest ${this.name}${refSuffix(reference)}`;
    const res = await this.host.request({
      method: "PUT",
      path: `/v2/${this.path}/manifests/${reference}`,
      headers: { "content-type": mediaType },
      body: bytes,
      scopes: [this.pushScope],
      what,
    });
    if (res.status !== 201 && res.status !== 200) throw await responseError(res, what, this.host.name);
    await res.drain();
    const digest = sha256(bytes);
    const claimed = res.headers["docker-content-digest"];
    if (typeof claimed === "string" && isDigest(claimed) && claimed !== digest) {
      throw new StrataError("DIGEST_MISMATCH", `${what}: the registry stored it as ${claimed}, expected ${digest}`);
    }
    return digest;
  }

  /** HEAD a blob: its size, or undefined when the repository does not have it. */
  async headBlob(digest: Digest): Promise<number | undefined> {
    const what = `check blob ${short(digest)} in ${this.name}`;
    const res = await this.host.request({ method: "HEAD", path: `/v2/${this.path}/blobs/${digest}`, scopes: [this.pullScope], what });
    await res.drain();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await responseError(res, what, this.host.name);
    return Number(res.headers["content-length"] ?? 0);
  }

  /** Cross-repository mount; true when mounted, else the upload session the registry opened instead. */
  async mountBlob(digest: Digest, from: string): Promise<{ mounted: true } | { mounted: false; location?: string }> {
    const what = `mount blob ${short(digest)} from ${from} into ${this.name}`;
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.host.request({
      method: "POST",
      path: `/v2/${this.path}/blobs/uploads/?${q}`,
      scopes: [this.pushScope, `repository:${from}:pull`],
      what,
    });
    await res.drain();
    if (res.status === 201) return { mounted: true };
    if (res.status === 202) return { mounted: false, location: res.headers.location };
    if (res.status === 401 || res.status === 403 || res.status === 404) return { mounted: false };
    throw await responseError(res, what, this.host.name);
  }

  /**
   * Uploads a blob: monolithic (POST, then PUT with the bytes) when its digest is known,
   * else one streamed PATCH (or PATCHes of `chunkSize` with Content-Range) hashed on the way,
   * then PUT ?digest=. A failure part-way starts the blob over (a registry cannot be trusted to
   * resume an upload whose last PATCH half-arrived); the registry verifies the digest.
   */
  async uploadBlob(src: BlobSource, optsIn: UploadOptions = {}): Promise<{ digest: Digest; size: number }> {
    // STRATA_REGISTRY_CHUNK_SIZE: PATCH in pieces of that many bytes (proxies that cap a request's body).
    const envChunk = Number(process.env.STRATA_REGISTRY_CHUNK_SIZE) || undefined;
    const opts = { ...optsIn, chunkSize: optsIn.chunkSize ?? (envChunk && (src.size === undefined || src.size > envChunk) ? envChunk : undefined) };
    const what = `push blob${src.digest ? ` ${short(src.digest)}` : ""} to ${this.name}`;
    let location = opts.location;
    for (let attempt = 1; ; attempt++) {
      try {
        location ??= await this.startUpload(what);
        return src.digest !== undefined && src.size !== undefined && !opts.chunkSize
          ? await this.monolithic(location, src as Required<BlobSource>, what, opts)
          : await this.streamed(location, src, what, opts);
      } catch (e) {
        location = undefined;
        const transient = isRetryableNetworkError(e) || (e instanceof StrataError && e.code === "UNAVAILABLE" && !/connection refused/.test(e.message));
        if (attempt >= this.host.attempts || !transient) throw e instanceof StrataError ? e : networkError(e, what, this.host.name);
        await sleep(backoffMs(attempt));
      }
    }
  }

  private async startUpload(what: string): Promise<string> {
    const res = await this.host.request({ method: "POST", path: `/v2/${this.path}/blobs/uploads/`, scopes: [this.pushScope], what });
    await res.drain().catch(() => {});
    if (res.status !== 202 || !res.headers.location) throw await responseError(res, what, this.host.name);
    return new URL(res.headers.location, res.url).toString();
  }

  private async monolithic(location: string, src: Required<BlobSource>, what: string, opts: UploadOptions): Promise<{ digest: Digest; size: number }> {
    let sent = 0;
    const res = await this.rawRequest("PUT", withDigest(location, src.digest), what, {
      headers: { "content-type": "application/octet-stream", "content-length": String(src.size) },
      body: async function* () {
        for await (const c of src.open()) {
          sent += c.length;
          opts.onBytes?.(sent);
          yield c;
        }
      },
    });
    await this.finished(res, src.digest, what);
    return { digest: src.digest, size: src.size };
  }

  private async streamed(location: string, src: BlobSource, what: string, opts: UploadOptions): Promise<{ digest: Digest; size: number }> {
    const hasher = new Hasher();
    const data = src.open();
    let url = location;
    const patch = async (headers: Record<string, string>, body: () => AsyncIterable<Uint8Array>) => {
      const res = await this.rawRequest("PATCH", url, what, { headers: { "content-type": "application/octet-stream", ...headers }, body });
      if (res.status !== 202) throw await responseError(res, what, this.host.name);
      await res.drain();
      if (res.headers.location) url = new URL(res.headers.location, url).toString();
    };
    if (opts.chunkSize) {
      for await (const chunk of rechunk(data, opts.chunkSize)) {
        const start = hasher.size;
        hasher.update(chunk);
        await patch({ "content-range": `${start}-${start + chunk.length - 1}`, "content-length": String(chunk.length) }, async function* () {
          yield chunk;
        });
        opts.onBytes?.(hasher.size);
      }
    } else {
      await patch({}, async function* () {
        for await (const c of data) {
          hasher.update(c);
          opts.onBytes?.(hasher.size);
          yield c;
        }
      });
    }
    const digest = hasher.digest();
    if (src.digest !== undefined && src.digest !== digest) {
      throw new StrataError("DIGEST_MISMATCH", `${what}: the bytes sent hash to ${digest}`);
    }
    const res = await this.rawRequest("PUT", withDigest(url, digest), what, { headers: { "content-type": "application/octet-stream" } });
    await this.finished(res, digest, what);
    return { digest, size: hasher.size };
  }

  private async finished(res: HttpResponse, digest: Digest, what: string): Promise<void> {
    if (res.status !== 201 && res.status !== 204) throw await responseError(res, what, this.host.name);
    await res.drain();
    const claimed = res.headers["docker-content-digest"];
    if (typeof claimed === "string" && isDigest(claimed) && claimed !== digest) {
      throw new StrataError("DIGEST_MISMATCH", `${what}: the registry stored ${claimed}, expected ${digest}`);
    }
  }

  /** One request of an upload: no retries of its own (the upload starts over instead). */
  private rawRequest(method: "PUT" | "PATCH", url: string, what: string, init: { headers: Record<string, string>; body?: () => AsyncIterable<Uint8Array> }): Promise<HttpResponse> {
    return this.host.request({ method, path: url, headers: init.headers, body: init.body, scopes: [this.pushScope], what, noRetry: true, attempts: 1 });
  }

  /**
   * Downloads a blob into `sink`, resuming with `Range` after a dropped connection; a registry
   * that answers a resume with the whole blob (200) starts the sink over. The caller verifies
   * the digest when it commits what the sink holds.
   */
  async fetchBlob(digest: Digest, sink: BlobSink, onBytes?: (received: number) => void): Promise<void> {
    const what = `pull blob ${short(digest)} from ${this.name}`;
    for (let attempt = 1; ; attempt++) {
      const offset = sink.offset;
      let res: HttpResponse;
      try {
        res = await this.host.request({
          method: "GET",
          path: `/v2/${this.path}/blobs/${digest}`,
          headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
          scopes: [this.pullScope],
          what,
        });
      } catch (e) {
        throw e instanceof StrataError ? e : networkError(e, what, this.host.name);
      }
      if (res.status === 404) {
        await res.drain();
        throw new StrataError("NOT_FOUND", `${what}: blob unknown to the registry`, { detail: { status: 404 } });
      }
      if (res.status === 416 && offset > 0) {
        await res.drain();
        await sink.reset();
        continue;
      }
      if (res.status !== 200 && res.status !== 206) throw await responseError(res, what, this.host.name);
      if (res.status === 200 && offset > 0) await sink.reset();
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          await sink.write(chunk);
          onBytes?.(sink.offset);
        }
        if (!res.body.complete) throw Object.assign(new Error("premature close"), { code: "ECONNRESET" });
        return;
      } catch (e) {
        res.body.destroy();
        if (e instanceof StrataError) throw e;
        if (attempt >= this.host.attempts || !isRetryableNetworkError(e)) throw networkError(e, what, this.host.name);
        await sleep(backoffMs(attempt));
      }
    }
  }
}

const refSuffix = (reference: string) => (isDigest(reference) ? `@${reference}` : `:${reference}`);
const short = (d: Digest) => d.slice(7, 19);

function withDigest(location: string, digest: Digest): string {
  const u = new URL(location);
  u.searchParams.set("digest", digest);
  return u.toString();
}

function tooLarge(what: string): StrataError {
  return new StrataError("INVALID_ARGUMENT", `${what}: manifest too large (over ${MAX_MANIFEST_BYTES >> 20} MiB)`);
}

function mediaTypeOf(bytes: Buffer, contentType: string | undefined, what: string): string {
  let doc: { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; layers?: unknown; fsLayers?: unknown };
  try {
    doc = JSON.parse(bytes.toString("utf8")) as typeof doc;
  } catch {
    throw new StrataError("INVALID_ARGUMENT", `${what}: malformed manifest (not JSON)`);
  }
  if (typeof doc !== "object" || doc === null) throw new StrataError("INVALID_ARGUMENT", `${what}: malformed manifest`);
  if (doc.schemaVersion === 1 || doc.fsLayers) {
    throw new StrataError("NOT_IMPLEMENTED", `${what}: Docker schema 1 manifests are not supported`, { hint: "push the image again with a current Docker" });
  }
  if (typeof doc.mediaType === "string" && doc.mediaType) return doc.mediaType;
  const declared = (contentType ?? "").split(";")[0]!.trim();
  if ((MANIFEST_TYPES as readonly string[]).includes(declared)) return declared;
  if (Array.isArray(doc.manifests)) return MediaType.ociIndex;
  if (Array.isArray(doc.layers)) return MediaType.ociManifest;
  throw new StrataError("INVALID_ARGUMENT", `${what}: malformed manifest (neither an image manifest nor an index)`);
}

/** Regroups a stream into chunks of exactly `size` bytes (the last one shorter). */
async function* rechunk(src: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let n = 0;
  for await (const c of src) {
    let buf = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    while (n + buf.length >= size) {
      const take = size - n;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      n = 0;
      buf = buf.subarray(take);
    }
    if (buf.length > 0) {
      parts.push(Buffer.from(buf));
      n += buf.length;
    }
  }
  if (n > 0) yield Buffer.concat(parts);
}
