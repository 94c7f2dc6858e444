import { StrataError, formatReference, parseReference, type Descriptor, type Digest, type ImageConfig, type Manifest, type Platform } from "@strata/core";
import type { Store } from "../store.js";
import type { RegistryClient } from "./client.js";
import { fetchBlobToStore } from "./fetch-blob.js";
import { resolveRemoteImage } from "./pull.js";
import { RegistryState } from "./state.js";

/**
 * Registries as a lazy extension of the store, for builds: an image resolves to its manifest
 * and config (layers stay remote, their repositories remembered), and a blob is downloaded
 * only when asked for, from the first repository known to hold it that answers.
 */
export class RegistryContent {
  private readonly state: RegistryState;
  private fetching = new Map<Digest, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly client: RegistryClient,
    private readonly opts: { platform?: Platform; onFetch?: (desc: Descriptor, from: string) => void; warn?: (message: string) => void } = {},
  ) {
    this.state = new RegistryState(store.root);
  }

  /**
   * The image `ref` names on its registry. When the registry cannot be reached, the manifest it
   * resolved to last time is used (with a warning) if the store still has it and its config, so
   * a build FROM a registry image works offline as it did online.
   */
  async resolveImage(ref: string): Promise<{ manifestDesc: Descriptor; manifest: Manifest; config: ImageConfig }> {
    const name = formatReference(parseReference(ref));
    try {
      const image = await resolveRemoteImage(this.store, ref, { client: this.client, platform: this.opts.platform });
      await this.state.rememberResolved(name, image.manifestDesc);
      return { manifestDesc: image.manifestDesc, manifest: image.manifest, config: image.config };
    } catch (e) {
      const last = e instanceof StrataError && e.code === "UNAVAILABLE" ? this.state.resolved(name) : undefined;
      if (!last || !(await this.store.content.has(last.digest))) throw e;
      const manifest = await this.store.content.readJSON<Manifest>(last.digest);
      if (!(await this.store.content.has(manifest.config.digest))) throw e;
      this.opts.warn?.(`${name}: ${(e as Error).message}; using the manifest it resolved to last (${last.digest})`);
      return { manifestDesc: last, manifest, config: await this.store.content.readJSON<ImageConfig>(manifest.config.digest) };
    }
  }

  canFetch(digest: Digest): boolean {
    return this.state.sources(digest).length > 0;
  }

  fetch(desc: Descriptor): Promise<void> {
    let p = this.fetching.get(desc.digest);
    if (!p) {
      p = this.fetchOnce(desc);
      this.fetching.set(desc.digest, p);
      p.catch(() => this.fetching.delete(desc.digest));
    }
    return p;
  }

  private async fetchOnce(desc: Descriptor): Promise<void> {
    if (await this.store.content.has(desc.digest)) return;
    const sources = this.state.sources(desc.digest);
    let last: unknown;
    for (const src of sources) {
      const repo = this.client.repository({ host: src.host, path: src.repository });
      try {
        this.opts.onFetch?.(desc, repo.name);
        await fetchBlobToStore(this.store, repo, desc);
        return;
      } catch (e) {
        last = e;
        // Another repository may still have it; a corrupt blob or a failure mid-way is final.
        if (!(e instanceof StrataError && (e.code === "NOT_FOUND" || e.code === "PERMISSION_DENIED"))) throw e;
      }
    }
    throw last ?? new StrataError("NOT_FOUND", `blob ${desc.digest}: no registry is known to have it`);
  }
}
