import type { Readable, Writable } from "node:stream";
import { StrataError, isNotFound, type Mount } from "@strata/core";
import { withMounted } from "@strata/layers";
import { containerChanges, writableLayerSize, type PathChange } from "./changes.js";
import { commitContainer, type CommitOptions } from "./commit.js";
import { copyFromContainer, copyToContainer } from "./copy.js";
import { execInContainer, type ExecOptions } from "./exec.js";
import { exportFilesystem } from "./export.js";
import type { ContainerService } from "./service.js";
import { topOf } from "./top.js";
import { isActive, runcIdOf, type ContainerRecord } from "./types.js";
import { ensureWritableLayer, layerDirsOf } from "./writable-layer.js";

/**
 * A container's files and processes as the other commands see them: its writable layer's size
 * and changes, commit, export, cp both ways, exec and top. Running containers are reached
 * through their own root (/proc/PID/root); others through their writable layer.
 */
export class ContainerFiles {
  constructor(private readonly svc: ContainerService) {}


  /** The writable layer's mounts, or undefined while it has not been prepared (a created container). */
  async layerMounts(rec: ContainerRecord): Promise<Mount[] | undefined> {
    if (rec.layer === undefined) return undefined;
    return (await this.svc.snapshotter()).mounts(rec.layer);
  }

  /** The writable layer's own bytes (Docker's SizeRw), read from its upper directory alone. */
  async size(rec: ContainerRecord): Promise<number> {
    if (rec.layerUpper !== undefined) return writableLayerSize(rec.layerUpper);
    const mounts = await this.layerMounts(rec).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    return mounts ? writableLayerSize(layerDirsOf(mounts).upper) : 0;
  }

  /** `docker diff`. */
  async changes(ref: string): Promise<PathChange[]> {
    const rec = await this.svc.get(ref);
    const mounts = await this.layerMounts(rec);
    return mounts ? containerChanges(mounts) : [];
  }

  /** `docker commit`: pauses a running container for the time of the diff unless `pause` is false. */
  async commit(ref: string, o: CommitOptions & { pause?: boolean }) {
    if (!this.svc.options.differ) throw new StrataError("INTERNAL", "commit needs a differ");
    const rec = await this.svc.get(ref);
    const mounts = await this.layerMounts(rec);
    const pause = (o.pause ?? true) && rec.state.status === "running";
    const runc = pause ? await this.svc.runc() : undefined;
    if (pause) await runc!.pause(runcIdOf(rec));
    try {
      return await commitContainer(this.svc.store, this.svc.options.differ, rec, mounts, o);
    } finally {
      if (pause) await runc!.resume(runcIdOf(rec)).catch(() => {});
    }
  }

  /** `docker export`: the flattened filesystem as a tar. */
  async export(ref: string, out: Writable): Promise<void> {
    const rec = await this.svc.get(ref);
    if (rec.state.status === "running" || rec.state.status === "paused") {
      return exportFilesystem({ root: this.svc.layout.rootfs(rec.id) }, out);
    }
    const mounts = await this.#preparedMounts(rec);
    await exportFilesystem({ mounts }, out);
  }

  /** `docker cp CONTAINER:SRC DEST`. */
  async copyFrom(ref: string, src: string, dest: string, opts: { followLink?: boolean; stdout?: Writable } = {}): Promise<void> {
    await this.#withRootView(ref, (root) => copyFromContainer(root, src, dest, opts));
  }

  /** `docker cp SRC CONTAINER:DEST`. */
  async copyTo(ref: string, src: string, dest: string, opts: { stdin?: Readable } = {}): Promise<void> {
    await this.#withRootView(ref, (root) => copyToContainer(root, src, dest, opts));
  }

  async exec(ref: string, o: ExecOptions) {
    const rec = await this.svc.get(ref);
    return execInContainer(await this.svc.runc(), this.svc.layout, rec, o);
  }

  async top(ref: string, psArgs: readonly string[]) {
    const rec = await this.svc.get(ref);
    if (rec.state.status !== "running" && rec.state.status !== "paused") {
      throw new StrataError("FAILED_PRECONDITION", `Container ${rec.id} is not running`);
    }
    return topOf(await (await this.svc.runc()).pids(runcIdOf(rec)), psArgs);
  }

  /**
   * Runs `fn` on a directory showing the container's filesystem as it sees it: a running
   * container's own root (/proc/PID/root, its mounts included); otherwise its writable layer,
   * mounted for the time of `fn` with the container locked against a start.
   */
  async #withRootView<T>(ref: string, fn: (root: string) => Promise<T>): Promise<T> {
    const rec = await this.svc.get(ref);
    if (rec.state.status === "running" || rec.state.status === "paused") return fn(`/proc/${rec.state.pid}/root`);
    return this.svc.withLock(rec.id, async (cur) => {
      if (isActive(cur)) return fn(`/proc/${cur.state.pid}/root`);
      return withMounted(await this.#preparedMounts(cur), fn);
    });
  }

  /** The writable layer's mounts, preparing it when the container never had one. */
  async #preparedMounts(rec: ContainerRecord): Promise<Mount[]> {
    const existing = await this.layerMounts(rec);
    if (existing) return existing;
    const mounts = await ensureWritableLayer(rec, { snapshotter: await this.svc.snapshotter(), applier: this.svc.options.applier, imageLayers: () => this.svc.imageLayers(rec) });
    await this.svc.records.write(rec);
    return mounts;
  }

}
