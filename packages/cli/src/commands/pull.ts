import { StrataError, familiarName, formatReference, parseReference, type Platform } from "@strata/core";
import { openStoreOnly, type GlobalOptions } from "../engine.js";
import { registryClient, type RegistryFlags } from "../registry/client.js";
import { transferRenderer } from "../registry/transfer-progress.js";

export interface PullCommandOptions extends RegistryFlags {
  platform?: string;
  quiet?: boolean;
}

/**
 * `strata pull NAME[:TAG|@DIGEST]`: downloads what the store lacks (verified), unpacks the
 * layers into snapshots as `docker pull` extracts them, tags; Docker's output on stdout.
 */
export async function pullCommand(name: string, opts: PullCommandOptions, globals: GlobalOptions): Promise<void> {
  const ref = parseReference(name);
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const store = await openStoreOnly(globals);
  const [{ pullImage }, { withLease }] = await Promise.all([import("@strata/store/registry"), import("@strata/store")]);
  const client = await registryClient(opts, undefined, store);
  const progress = transferRenderer(process.stdout, opts.quiet);
  if (!ref.digest && !/:[^/]+$/.test(name) && !opts.quiet) process.stdout.write("Using default tag: latest\n");
  const full = formatReference(ref);
  try {
    await withLease(store, async () => {
      const { image, upToDate, downloaded } = await pullImage(store, full, { client, progress, platform });
      await unpack(store, image, downloaded, progress, globals);
      progress({ type: "message", text: `Digest: ${image.digest}` });
      progress({ type: "message", text: `Status: ${upToDate ? "Image is up to date" : "Downloaded newer image"} for ${familiarName(full)}` });
    });
  } finally {
    client.close();
  }
  process.stdout.write(`${full}\n`);
}

/** Extracts the layers into snapshots (as load does); a failure is a warning, a build retries it. */
async function unpack(
  store: import("@strata/store").Store,
  image: import("@strata/store/registry").RemoteImage,
  downloaded: Set<string>,
  progress: import("@strata/store/registry").TransferSink,
  globals: GlobalOptions,
): Promise<void> {
  const { transferId } = await import("@strata/store/registry");
  const layers = await import("@strata/layers");
  const done = (i: number) => {
    const l = image.manifest.layers[i]!;
    if (downloaded.has(l.digest)) progress({ type: "blob", id: transferId(l.digest), status: "Pull complete" });
  };
  try {
    const snapshotter = await layers.createSnapshotter(store.root, globals.storageDriver);
    const applier = layers.createApplier(store.content);
    const diffIds = image.config.rootfs.diff_ids;
    for (let i = 0; i < image.manifest.layers.length; i++) {
      const l = image.manifest.layers[i]!;
      if (downloaded.has(l.digest)) progress({ type: "blob", id: transferId(l.digest), status: "Extracting" });
      await layers.unpackLayers({ snapshotter, applier, layers: image.manifest.layers.slice(0, i + 1), diffIds: diffIds.slice(0, i + 1) });
      done(i);
    }
  } catch (e) {
    process.stderr.write(`warning: ${familiarName(image.name)}: layers not extracted (${e instanceof Error ? e.message : String(e)}); a build will retry\n`);
  }
}

/** "linux/amd64", "linux/arm64/v8" → a platform. */
export function parsePlatform(spec: string): Platform {
  const [os, architecture, variant, ...rest] = spec.toLowerCase().split("/");
  if (!os || !architecture || rest.length > 0) throw new StrataError("INVALID_ARGUMENT", `invalid platform ${spec}: expected OS/ARCH[/VARIANT]`);
  const arch = ({ x86_64: "amd64", aarch64: "arm64" } as Record<string, string>)[architecture] ?? architecture;
  return { os, architecture: arch, ...(variant ? { variant } : {}) };
}
