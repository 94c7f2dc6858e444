import { lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { StrataError, errnoCode, randomHex, writeFileAtomic } from "@strata/core";
import { withFileLock } from "@strata/layers";

/** A managed volume, as `docker volume inspect` shows it. */
export interface Volume {
  Name: string;
  Driver: "local";
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  /** `--opt` (the local driver's: type=tmpfs|none, device=, o=). */
  Options: Record<string, string>;
  Scope: "local";
  /** Made for `-v /path` or an image VOLUME: removed with its container by `rm -v`. */
  Anonymous: boolean;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's rule for volume names, with its message. */
export function validateVolumeName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new StrataError(
      "INVALID_ARGUMENT",
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  return name;
}

/**
 * Volumes under `<root>/volumes`, Docker's layout:
 *
 *   volumes/<name>/_data         the volume's files (what containers mount)
 *   volumes/<name>/volume.json   its metadata, replaced atomically
 *   volumes/.lock                held while volumes are created, removed or taken into use
 *
 * A volume appears whole or not at all: it is made in a temp directory and renamed into place.
 */
export class VolumeStore {
  readonly dir: string;

  constructor(storeRoot: string) {
    this.dir = path.join(storeRoot, "volumes");
  }

  dataDir(name: string): string {
    return path.join(this.dir, name, "_data");
  }

  #meta(name: string): string {
    return path.join(this.dir, name, "volume.json");
  }

  /** Runs `fn` holding the volumes lock (creation, removal and use are serialised). */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    return withFileLock(path.join(this.dir, ".lock"), fn, { timeoutMs: 120_000 });
  }

  read(name: string): Volume | undefined {
    if (!NAME_RE.test(name)) return undefined;
    try {
      return JSON.parse(readFileSync(this.#meta(name), "utf8")) as Volume;
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
      throw new StrataError("INTERNAL", `volume ${name}: ${(e as Error).message}`);
    }
  }

  get(name: string): Volume {
    const v = this.read(name);
    if (!v) throw new StrataError("NOT_FOUND", `get ${name}: no such volume`);
    return v;
  }

  list(): Volume[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return [];
      throw e;
    }
    return names.flatMap((n) => {
      const v = NAME_RE.test(n) ? this.read(n) : undefined;
      return v ? [v] : [];
    });
  }

  /**
   * Creates a volume (a random 64-hex name when `name` is undefined). Creating one that exists
   * returns it, as Docker does. Call with the lock held when the caller must not race a removal.
   */
  async create(name: string | undefined, o: { labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean } = {}): Promise<Volume> {
    const volName = name === undefined ? randomHex(32) : validateVolumeName(name);
    const existing = this.read(volName);
    if (existing) return existing;
    validateOptions(o.options ?? {});
    mkdirSync(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.new-${process.pid}-${randomHex(6)}`);
    const vol: Volume = {
      Name: volName,
      Driver: "local",
      Mountpoint: this.dataDir(volName),
      CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      Labels: o.labels ?? {},
      Options: o.options ?? {},
      Scope: "local",
      Anonymous: o.anonymous ?? false,
    };
    try {
      mkdirSync(path.join(tmp, "_data"), { recursive: true, mode: 0o755 });
      await writeFileAtomic(path.join(tmp, "volume.json"), JSON.stringify(vol));
      renameSync(tmp, path.join(this.dir, volName));
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (errnoCode(e) === "ENOTEMPTY" || errnoCode(e) === "EEXIST") return this.get(volName); // made meanwhile
      throw e;
    }
    return vol;
  }

  /** Deletes a volume and its data (the caller has checked that no container uses it). */
  remove(name: string): void {
    this.get(name);
    // Renamed away first: a half-deleted volume is never seen under its name.
    const doomed = path.join(this.dir, `.removing-${name}-${randomHex(4)}`);
    renameSync(path.join(this.dir, name), doomed);
    rmSync(doomed, { recursive: true, force: true });
  }

  /** Whether the volume's data directory is empty (Docker fills only an empty volume from the image). */
  isEmpty(name: string): boolean {
    try {
      return readdirSync(this.dataDir(name)).length === 0;
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return true;
      throw e;
    }
  }

  /** Removes what an interrupted creation, removal or import left behind (temp directories of dead processes). */
  recover(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const n of names) {
      const full = path.join(this.dir, n);
      if (n.startsWith(".removing-")) rmSync(full, { recursive: true, force: true });
      else if (n.startsWith(".new-") && !alive(Number(n.split("-")[1]))) rmSync(full, { recursive: true, force: true });
      else if (NAME_RE.test(n)) recoverImport(full);
    }
  }
}

/** An import swaps `_data` for its staged tree; a crash mid-swap is undone here (see importVolume). */
export function recoverImport(volumeDir: string): void {
  let names: string[];
  try {
    names = readdirSync(volumeDir);
  } catch {
    return;
  }
  const data = path.join(volumeDir, "_data");
  const hasData = names.includes("_data");
  for (const n of names) {
    const full = path.join(volumeDir, n);
    if (n.startsWith("_data.old-")) {
      if (!hasData) renameSync(full, data); // crashed between the two renames: the old data is put back
      else rmSync(full, { recursive: true, force: true });
    } else if (n.startsWith("_data.import-") && !alive(Number(n.split("-")[1]))) {
      rmSync(full, { recursive: true, force: true });
    }
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === "EPERM";
  }
}

/** The local driver's options strata supports: a tmpfs (`type=tmpfs`) or a bind of a host directory (`type=none,o=bind,device=DIR`). */
function validateOptions(opts: Record<string, string>): void {
  const known = new Set(["type", "device", "o"]);
  for (const k of Object.keys(opts)) {
    if (!known.has(k)) throw new StrataError("INVALID_ARGUMENT", `invalid option key: "${k}"`);
  }
  const type = opts.type;
  if (type === undefined) {
    if (opts.device !== undefined || opts.o !== undefined) throw new StrataError("INVALID_ARGUMENT", "missing required option: \"type\"");
    return;
  }
  if (type === "tmpfs") return;
  if (type === "none" && (opts.o ?? "").split(",").includes("bind")) {
    const device = opts.device;
    if (!device?.startsWith("/")) throw new StrataError("INVALID_ARGUMENT", "a bind volume needs device=ABSOLUTE_PATH");
    try {
      if (!lstatSync(device).isDirectory()) throw new Error("not a directory");
    } catch {
      throw new StrataError("INVALID_ARGUMENT", `device ${device}: no such directory`);
    }
    return;
  }
  throw new StrataError("NOT_IMPLEMENTED", `volume option type=${type} is not supported (tmpfs, or none with o=bind)`);
}
