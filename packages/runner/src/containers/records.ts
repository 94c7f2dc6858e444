import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync } from "node:fs";
import { StrataError, errnoCode, writeFileAtomic } from "@strata/core";
import { withFileLock } from "@strata/layers";
import { ContainerLayout, isContainerId } from "./layout.js";
import { NameRegistry } from "./names.js";
import type { ContainerRecord } from "./types.js";

/**
 * The container records of one store root. Reads take no lock (a record is replaced whole);
 * changes to one container go through `locked`, which serialises the commands (and conmon's
 * exit command) working on it.
 */
export class ContainerRecords {
  readonly layout: ContainerLayout;
  readonly names: NameRegistry;

  constructor(storeRoot: string) {
    this.layout = new ContainerLayout(storeRoot);
    this.names = new NameRegistry(this.layout, (id) => existsSync(this.layout.record(id)));
  }

  /** The record of `id`, or undefined when there is none. */
  read(id: string): ContainerRecord | undefined {
    let text: string;
    try {
      text = readFileSync(this.layout.record(id), "utf8"); // small: a blocking read beats a thread-pool round trip
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return undefined;
      throw e;
    }
    try {
      return JSON.parse(text) as ContainerRecord;
    } catch (e) {
      throw new StrataError("INTERNAL", `container record ${this.layout.record(id)} is damaged: ${(e as Error).message}`, {
        hint: "remove the file to forget the container",
      });
    }
  }

  get(id: string): ContainerRecord {
    const rec = this.read(id);
    if (!rec) throw noSuchContainer(id);
    return rec;
  }

  ids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.layout.dir);
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return [];
      throw e;
    }
    return names.filter((n) => n.endsWith(".json") && isContainerId(n.slice(0, -5))).map((n) => n.slice(0, -5));
  }

  list(): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const id of this.ids()) {
      const rec = this.read(id);
      if (rec) out.push(rec);
    }
    return out;
  }

  /**
   * Docker's lookup order: a full ID, an exact name (with or without "/"), then a unique ID
   * prefix. NOT_FOUND "No such container: REF" otherwise.
   */
  resolve(ref: string): ContainerRecord {
    if (isContainerId(ref)) {
      const rec = this.read(ref);
      if (rec) return rec;
    }
    const name = ref.startsWith("/") ? ref.slice(1) : ref;
    if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
      const id = this.names.lookup(name);
      const rec = id === undefined ? undefined : this.read(id);
      if (rec && rec.name === name) return rec;
    }
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = this.ids().filter((id) => id.startsWith(ref));
      if (hits.length > 1) throw new StrataError("INVALID_ARGUMENT", `Multiple IDs found with provided prefix: ${ref}`);
      const rec = hits.length === 1 ? this.read(hits[0]!) : undefined;
      if (rec) return rec;
    }
    throw noSuchContainer(ref);
  }

  /** Stores a new container's record (durably); its name must already be reserved for it. */
  async create(rec: ContainerRecord): Promise<void> {
    mkdirSync(this.layout.dir, { recursive: true });
    await writeFileAtomic(this.layout.record(rec.id), JSON.stringify(rec));
  }

  /**
   * Replaces a record (atomically, without an fsync): what a crash could lose is a state change
   * the next command reads again from conmon's files and runc anyway, or the writable layer's
   * key, which is the container's ID (see ensureWritableLayer). Each fsync costs a `run` 2–10 ms.
   */
  async write(rec: ContainerRecord): Promise<void> {
    await writeFileAtomic(this.layout.record(rec.id), JSON.stringify(rec), { durable: false });
  }

  /** Runs `fn` on the current record under the container's lock; a returned record is written back. */
  async locked<T>(id: string, fn: (rec: ContainerRecord) => Promise<T>): Promise<T> {
    mkdirSync(this.layout.dir, { recursive: true });
    return withFileLock(this.layout.lock(id), async () => fn(this.get(id)), { timeoutMs: 120_000 });
  }

  /** Forgets the container: its record and its name (the caller has removed everything else). */
  removeRecord(rec: ContainerRecord): void {
    try {
      unlinkSync(this.layout.record(rec.id));
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") throw e;
    }
    this.names.release(rec.name, rec.id);
  }
}

export function noSuchContainer(ref: string): StrataError {
  return new StrataError("NOT_FOUND", `No such container: ${ref}`);
}
