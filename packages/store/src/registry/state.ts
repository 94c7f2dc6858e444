import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { hexOf, isDigest, writeFileAtomic, type Descriptor, type Digest } from "@strata/core";

/** A repository known to hold a blob: where a push can mount it from, a build can fetch it from. */
export interface BlobSource {
  host: string;
  repository: string;
}

const MAX_SOURCES = 8;

/**
 * What the store remembers about registries, beside the content store (advisory: losing it only
 * costs a recompression or a download, never correctness):
 *
 *   registry/sources/<hex>.json            repositories blob sha256:<hex> was pulled from or pushed to
 *   registry/compressed/<hex>.<algo>.json  the compressed blob pushed for uncompressed layer sha256:<hex>
 *   registry/repodigests/<hex>.json        image sha256:<hex>'s digest in each repository it was pulled from or pushed to
 *   registry/hosts/<host>.json             the scheme the host answered on
 *   registry/resolved/<ref>.json           the manifest a build last resolved a reference to (used offline)
 *
 * The second is what keeps the pushed digest of an unchanged layer stable without keeping a
 * compressed copy: a push looks up the digest, asks the registry whether it has it (HEAD), and
 * only when not regenerates the same bytes (pigz and zstd output depends on the input and
 * level only, not on the number of threads).
 */
export class RegistryState {
  constructor(readonly root: string) {}

  private dir(kind: string): string {
    const d = path.join(this.root, "registry", kind);
    mkdirSync(d, { recursive: true });
    return d;
  }

  sources(digest: Digest): BlobSource[] {
    const doc = readJSON(path.join(this.root, "registry", "sources", `${hexOf(digest)}.json`));
    return Array.isArray(doc) ? doc.filter((s): s is BlobSource => typeof s?.host === "string" && typeof s?.repository === "string") : [];
  }

  async addSource(digest: Digest, source: BlobSource): Promise<void> {
    const current = this.sources(digest);
    if (current[0]?.host === source.host && current[0]?.repository === source.repository) return;
    const next = [source, ...current.filter((s) => s.host !== source.host || s.repository !== source.repository)].slice(0, MAX_SOURCES);
    await writeFileAtomic(path.join(this.dir("sources"), `${hexOf(digest)}.json`), JSON.stringify(next), { durable: false });
  }

  /** The scheme a registry host last answered on (see TransportOptions.schemes). */
  readonly schemes = {
    get: (host: string): "http" | "https" | undefined => {
      const doc = readJSON(path.join(this.root, "registry", "hosts", `${encodeURIComponent(host)}.json`)) as { scheme?: string } | undefined;
      return doc?.scheme === "http" || doc?.scheme === "https" ? doc.scheme : undefined;
    },
    set: (host: string, scheme: "http" | "https"): void => {
      void writeFileAtomic(path.join(this.dir("hosts"), `${encodeURIComponent(host)}.json`), JSON.stringify({ scheme }), { durable: false }).catch(() => {});
    },
  };

  /** Docker's RepoDigests of an image (by image ID): "repo@sha256:…", one per repository. */
  repoDigests(imageId: Digest): string[] {
    const doc = readJSON(path.join(this.root, "registry", "repodigests", `${hexOf(imageId)}.json`));
    return Array.isArray(doc) ? doc.filter((d): d is string => typeof d === "string") : [];
  }

  async addRepoDigest(imageId: Digest, repository: string, digest: Digest): Promise<void> {
    const entry = `${repository}@${digest}`;
    const current = this.repoDigests(imageId);
    if (current.includes(entry)) return;
    const next = [...current.filter((d) => !d.startsWith(`${repository}@`)), entry].sort();
    await writeFileAtomic(path.join(this.dir("repodigests"), `${hexOf(imageId)}.json`), JSON.stringify(next), { durable: false });
  }

  /** The manifest `ref` (a full reference) last resolved to on its registry. */
  resolved(ref: string): Descriptor | undefined {
    const doc = readJSON(path.join(this.root, "registry", "resolved", `${encodeURIComponent(ref)}.json`)) as Descriptor | undefined;
    return doc && typeof doc.digest === "string" && isDigest(doc.digest) ? doc : undefined;
  }

  async rememberResolved(ref: string, desc: Descriptor): Promise<void> {
    const doc = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
    await writeFileAtomic(path.join(this.dir("resolved"), `${encodeURIComponent(ref)}.json`), JSON.stringify(doc), { durable: false });
  }

  compressed(diffId: Digest, algo: string): Descriptor | undefined {
    const doc = readJSON(path.join(this.root, "registry", "compressed", `${hexOf(diffId)}.${algo}.json`)) as Descriptor | undefined;
    return doc && typeof doc.digest === "string" && isDigest(doc.digest) && typeof doc.size === "number" && typeof doc.mediaType === "string" ? doc : undefined;
  }

  async rememberCompressed(diffId: Digest, algo: string, desc: Descriptor): Promise<void> {
    const doc = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
    await writeFileAtomic(path.join(this.dir("compressed"), `${hexOf(diffId)}.${algo}.json`), JSON.stringify(doc), { durable: false });
  }
}

function readJSON(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}
