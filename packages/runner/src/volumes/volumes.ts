import { lstatSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { StrataError, errnoCode } from "@strata/core";
import type { ContainerRecords } from "../containers/records.js";
import { volumeUsers } from "./container-mounts.js";
import { exportVolume, importVolume } from "./transfer.js";
import { VolumeStore, type Volume } from "./volume-store.js";

/** What `volume ls`, `system df` and `volume rm` need to know of a volume: who uses it. */
export interface VolumeUse {
  volume: Volume;
  /** IDs of the containers (running or not) that mount it. */
  users: string[];
}

/** The `strata volume` commands' model: volumes and the containers that use them. */
export class Volumes {
  readonly store: VolumeStore;

  constructor(
    storeRoot: string,
    private readonly records: ContainerRecords,
  ) {
    this.store = new VolumeStore(storeRoot);
    this.store.recover();
  }

  create(name: string | undefined, o: { labels?: Record<string, string>; options?: Record<string, string> } = {}): Promise<Volume> {
    return this.store.locked(() => this.store.create(name, o));
  }

  inspect(name: string): Volume {
    return this.store.get(name);
  }

  list(): VolumeUse[] {
    const recs = this.records.list();
    return this.store.list().map((volume) => ({
      volume,
      users: recs.filter((r) => r.mounts.some((m) => m.type === "volume" && m.name === volume.Name)).map((r) => r.id),
    }));
  }

  /** Docker's `volume rm`: refused while any container (running or not) uses the volume. */
  async remove(name: string, o: { force?: boolean } = {}): Promise<void> {
    await this.store.locked(async () => {
      if (!this.store.read(name)) {
        if (o.force) return;
        throw new StrataError("NOT_FOUND", `get ${name}: no such volume`);
      }
      const users = volumeUsers(this.records, name);
      if (users.length > 0) {
        throw new StrataError("FAILED_PRECONDITION", `remove ${name}: volume is in use - [${users.map((u) => u.id).join(", ")}]`);
      }
      this.store.remove(name);
    });
  }

  /**
   * Docker's `volume prune`: removes the volumes no container uses — anonymous ones only, unless
   * `all` (as Docker 23+). Returns what went and the bytes freed.
   */
  async prune(o: { all?: boolean; labels?: string[] } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.store.locked(async () => {
      const deleted: string[] = [];
      let reclaimed = 0;
      for (const { volume, users } of this.list()) {
        if (users.length > 0 || (!o.all && !volume.Anonymous)) continue;
        if (!(o.labels ?? []).every((l) => labelMatches(volume.Labels, l))) continue;
        reclaimed += this.size(volume.Name);
        this.store.remove(volume.Name);
        deleted.push(volume.Name);
      }
      return { deleted, reclaimed };
    });
  }

  /** The bytes of the volume's files (each inode once), as `system df` shows it. */
  size(name: string): number {
    const seen = new Set<number>();
    let size = 0;
    const pending = [this.store.dataDir(name)];
    while (pending.length > 0) {
      const dir = pending.pop()!;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (e) {
        if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") continue;
        throw e;
      }
      for (const n of names) {
        const st = lstatSync(path.join(dir, n));
        if (st.isDirectory()) pending.push(path.join(dir, n));
        else if (!seen.has(st.ino)) {
          seen.add(st.ino);
          size += st.size;
        }
      }
    }
    return size;
  }

  export(name: string, out: Writable): Promise<void> {
    return exportVolume(this.store, name, out);
  }

  /** Creates the volume if needed; refused while a running container has it mounted (it would keep the old tree). */
  async import(name: string, input: Readable | AsyncIterable<Uint8Array>): Promise<void> {
    await this.store.locked(async () => {
      const existed = this.store.read(name) !== undefined;
      await this.store.create(name);
      const running = !existed ? [] : volumeUsers(this.records, name).filter((r) => r.state.status === "running" || r.state.status === "paused");
      if (running.length > 0) {
        throw new StrataError("FAILED_PRECONDITION", `import ${name}: volume is in use by running container ${running[0]!.id.slice(0, 12)}; stop it first`);
      }
      try {
        await importVolume(this.store, name, input);
      } catch (e) {
        if (!existed) this.store.remove(name); // a refused import creates nothing
        throw e;
      }
    });
  }
}

export function labelMatches(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf("=");
  if (eq < 0) return spec in labels;
  return labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}
