import { MediaType, type ImageConfig, type Manifest, type Mount } from "@strata/core";
import type { Differ } from "@strata/layers";
import { writeImage, type Store } from "@strata/store";
import type { ContainerRecord } from "./types.js";
import { differMounts } from "./writable-layer.js";

export interface CommitOptions {
  /** `-m`: the history entry's comment. */
  message?: string;
  /** `-a`. */
  author?: string;
  /** `-c` instructions, applied by the caller (the builder knows Dockerfile instructions). */
  applyChanges?: (config: ImageConfig) => ImageConfig;
  /** SOURCE_DATE_EPOCH-style clamp for the layer's mtimes. */
  sourceDateEpoch?: number;
}

/**
 * Docker's commit: the writable layer becomes one more layer of the container's image, written
 * by the same differ (deterministic tar, OCI whiteouts) as a build step; the new config is the
 * container's (env, cmd, entrypoint, user, workdir, labels…) with the changes applied, and its
 * history gains one entry (`created_by` the container's command, `empty_layer` when nothing
 * changed). Returns the new image's manifest and config digest (its ID).
 */
export async function commitContainer(
  store: Store,
  differ: Differ,
  rec: ContainerRecord,
  mounts: readonly Mount[] | undefined,
  o: CommitOptions,
) {
  const manifest = await store.content.readJSON<Manifest>(rec.imageManifest);
  const base = await store.content.readJSON<ImageConfig>(manifest.config.digest);
  let empty = true;
  const layers = [...manifest.layers];
  const diffIds = [...base.rootfs.diff_ids];
  if (mounts) {
    const { upper, lower } = differMounts(mounts);
    const blob = await differ.compare(lower, upper, { sourceDateEpoch: o.sourceDateEpoch });
    empty = blob.empty;
    if (!empty) {
      layers.push({ mediaType: MediaType.ociLayer, digest: blob.descriptor.digest, size: blob.descriptor.size });
      diffIds.push(blob.diffId);
    }
  }
  const c = rec.config;
  const created = new Date().toISOString();
  let config: ImageConfig = {
    ...base,
    created,
    ...(o.author ? { author: o.author } : {}),
    config: {
      ...base.config,
      User: c.User || undefined,
      ExposedPorts: c.ExposedPorts,
      Env: c.Env,
      Cmd: c.Cmd ?? undefined,
      Entrypoint: c.Entrypoint ?? undefined,
      Volumes: c.Volumes ?? undefined,
      WorkingDir: c.WorkingDir || undefined,
      Labels: Object.keys(c.Labels).length > 0 ? c.Labels : undefined,
      StopSignal: c.StopSignal,
      OnBuild: c.OnBuild ?? undefined,
    },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: [
      ...(base.history ?? []),
      {
        created,
        created_by: (c.Cmd ?? []).join(" "),
        ...(o.author ? { author: o.author } : {}),
        ...(o.message ? { comment: o.message } : {}),
        ...(empty ? { empty_layer: true } : {}),
      },
    ],
  };
  config.config = dropUndefined(config.config);
  if (o.applyChanges) config = o.applyChanges(config);
  return writeImage(store, { config, layers });
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
