import type { BuildEnv, BuildResult } from "@strata/builder";
import { StrataError, parseReference, type Digest } from "@strata/core";
import { registryClient, type RegistryFlags } from "../registry/client.js";
import type { registry } from "../registry-types.js";
import { transferRenderer } from "../registry/transfer-progress.js";

/** The registry side of a build: one client (opened on first use), and the lazy remote content. */
export class BuildRegistry {
  #client: Promise<registry.RegistryClient> | undefined;

  constructor(
    private readonly flags: RegistryFlags,
    private readonly signal?: AbortSignal,
    private readonly store?: { root: string },
  ) {}

  client = (): Promise<registry.RegistryClient> => (this.#client ??= registryClient(this.flags, this.signal, this.store));

  /** What the builder resolves FROM images and fetches imported cache layers through. */
  async remote(env: Pick<BuildEnv, "store">, warn: (message: string) => void): Promise<NonNullable<BuildEnv["remote"]>> {
    const { RegistryContent } = await import("@strata/store/registry");
    return new RegistryContent(env.store, await this.client(), { warn });
  }

  async close(): Promise<void> {
    if (this.#client) (await this.#client.catch(() => undefined))?.close();
  }
}

/**
 * `build --push`: the built manifest to every tag, as `docker push` prints it (on stderr, so
 * stdout keeps only the image ID). Returns the pushed manifest digest (the same for every tag).
 */
export async function pushBuildResult(env: BuildEnv, result: BuildResult, reg: BuildRegistry, quiet: boolean): Promise<{ digest: Digest; size: number; mediaType: string } | undefined> {
  if (result.tags.length === 0) throw new StrataError("INVALID_ARGUMENT", "tag is needed when pushing to registry", { hint: "build -t HOST/REPO:TAG --push" });
  const { pushImage } = await import("@strata/store/registry");
  const client = await reg.client();
  const progress = transferRenderer(process.stderr, quiet);
  let pushed: { digest: Digest; size: number; mediaType: string } | undefined;
  for (const tag of result.tags) {
    parseReference(tag);
    pushed = await pushImage(env.store, result.manifestDigest!, tag, { client, progress });
  }
  return pushed;
}
