import { lstatSync, mkdirSync, statSync } from "node:fs";
import { StrataError, cleanPath, errnoCode, resolveInRoot, runChecked } from "@strata/core";
import type { OciMount } from "../oci-spec.js";
import type { ContainerRecords } from "../containers/records.js";
import type { ContainerRecord, MountPoint } from "../containers/types.js";
import { parseMountFlag, parseVolumeFlag, parseVolumesFrom, type MountRequest } from "./mount-specs.js";
import type { VolumeStore } from "./volume-store.js";

export interface MountInput {
  binds: readonly string[];
  mountSpecs: readonly string[];
  volumesFrom: readonly string[];
  /** The image's VOLUME paths: each gets an anonymous volume unless a mount covers it. */
  imageVolumes: readonly string[];
}

/**
 * Turns `-v`, `--mount`, `--volumes-from` and the image's VOLUMEs into a container's mounts,
 * Docker's way: everything is parsed and checked first (bad specs, relative or missing paths,
 * two mounts on one target, unknown containers), then volumes are created (named ones on first
 * use, anonymous ones with random names) and `-v` bind sources made, so a refused create leaves
 * nothing behind. Returns the mounts and the volumes it created (to undo on a later failure).
 */
export async function resolveMounts(volumes: VolumeStore, records: ContainerRecords, input: MountInput): Promise<{ mounts: MountPoint[]; created: string[] }> {
  const requests: MountRequest[] = [...input.binds.map(parseVolumeFlag), ...input.mountSpecs.map(parseMountFlag)];
  const taken = new Set<string>();
  for (const r of requests) {
    if (taken.has(r.destination)) throw new StrataError("INVALID_ARGUMENT", `Duplicate mount point: ${r.destination}`);
    taken.add(r.destination);
  }
  for (const r of requests) {
    if (r.type === "bind" && !r.createSource && !exists(r.source)) {
      throw new StrataError("INVALID_ARGUMENT", `invalid mount config for type "bind": bind source path does not exist: ${r.source}`);
    }
  }
  // --volumes-from: every volume and bind of the other container, at the same paths.
  const inherited: MountPoint[] = [];
  for (const spec of input.volumesFrom) {
    const { container, mode } = parseVolumesFrom(spec);
    const from = records.resolve(container);
    for (const m of from.mounts) {
      if (m.type === "tmpfs" || taken.has(m.destination)) continue;
      taken.add(m.destination);
      const readOnly = mode === undefined ? m.readOnly : mode === "ro";
      inherited.push({ ...m, readOnly, anonymous: false, from: from.id });
    }
  }
  const imageVolumes = input.imageVolumes.map((p) => cleanPath(p)).filter((p) => !taken.has(p));
  // Most containers mount nothing: no volume is touched, no lock taken.
  if (requests.length === 0 && inherited.length === 0 && imageVolumes.length === 0) return { mounts: [], created: [] };

  return volumes.locked(async () => {
    const created: string[] = [];
    try {
      const mounts: MountPoint[] = [];
      for (const r of requests) {
        if (r.type === "volume") {
          const existed = r.name !== undefined && volumes.read(r.name) !== undefined;
          const v = await volumes.create(r.name, { anonymous: r.name === undefined });
          if (!existed) created.push(v.Name);
          mounts.push({ type: "volume", name: v.Name, source: v.Mountpoint, destination: r.destination, readOnly: r.readOnly, anonymous: r.name === undefined, ...(r.noCopy ? { noCopy: true } : {}) });
        } else if (r.type === "bind") {
          if (!exists(r.source)) mkdirSync(r.source, { recursive: true, mode: 0o755 }); // -v makes a missing host directory, as Docker
          mounts.push({ type: "bind", source: r.source, destination: r.destination, readOnly: r.readOnly });
        } else {
          mounts.push({ type: "tmpfs", source: "tmpfs", destination: r.destination, readOnly: r.readOnly, options: r.options });
        }
      }
      for (const m of inherited) {
        if (m.type === "volume" && m.name !== undefined && !volumes.read(m.name)) throw new StrataError("NOT_FOUND", `volume ${m.name} of ${m.from}: no such volume`);
        mounts.push(m);
      }
      for (const p of imageVolumes) {
        const v = await volumes.create(undefined, { anonymous: true });
        created.push(v.Name);
        mounts.push({ type: "volume", name: v.Name, source: v.Mountpoint, destination: p, readOnly: false, anonymous: true });
      }
      return { mounts, created };
    } catch (e) {
      for (const name of created) volumes.remove(name);
      throw e;
    }
  });
}

/**
 * Docker's copyExistingContents: an empty volume mounted where the image has a directory is
 * first filled with that directory (modes, owners, times, xattrs, the directory's own mode and
 * owner too), unless `nocopy`. `imageRoot` shows the image's filesystem; paths resolve inside it.
 * Volumes taken over by --volumes-from are never filled (they belong to the other container).
 */
export async function fillFromImage(volumes: VolumeStore, mounts: readonly MountPoint[], imageRoot: string): Promise<void> {
  for (const m of mounts) {
    if (!fillable(volumes, m)) continue;
    const src = await resolveInRoot(imageRoot, m.destination);
    let st;
    try {
      st = statSync(src);
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") continue;
      throw e;
    }
    if (!st.isDirectory()) continue;
    await runChecked("cp", ["-a", "--no-target-directory", "--", `${src}/.`, volumes.dataDir(m.name!)]);
  }
}

/** Whether some mount would be filled by `fillFromImage` (so the image is looked at only when needed). */
export function needsFill(volumes: VolumeStore, mounts: readonly MountPoint[]): boolean {
  return mounts.some((m) => fillable(volumes, m));
}

function fillable(volumes: VolumeStore, m: MountPoint): boolean {
  if (m.type !== "volume" || m.noCopy || m.from !== undefined || !m.name || !volumes.isEmpty(m.name)) return false;
  return volumes.read(m.name)?.Options.type === undefined; // tmpfs and bind volumes hold nothing to fill
}

/** The container's mounts in runc's shape, for its config.json. */
export function ociMounts(volumes: VolumeStore, rec: ContainerRecord): OciMount[] {
  return rec.mounts.map((m): OciMount => {
    const ro = m.readOnly ? ["ro"] : [];
    if (m.type === "tmpfs") return { destination: m.destination, type: "tmpfs", source: "tmpfs", options: [...(m.options ?? []), ...ro] };
    if (m.type === "volume") {
      const v = volumes.read(m.name!);
      if (!v) throw new StrataError("NOT_FOUND", `volume ${m.name}: no such volume (mounted at ${m.destination})`);
      if (v.Options.type === "tmpfs") {
        const o = (v.Options.o ?? "").split(",").filter(Boolean);
        return { destination: m.destination, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", ...o, ...ro] };
      }
      const source = v.Options.type === "none" ? v.Options.device! : volumes.dataDir(v.Name);
      return { destination: m.destination, type: "bind", source, options: ["rbind", "rprivate", ...ro] };
    }
    if (!exists(m.source)) throw new StrataError("NOT_FOUND", `bind source path does not exist: ${m.source}`);
    return { destination: m.destination, type: "bind", source: m.source, options: ["rbind", "rprivate", ...ro] };
  });
}

/** The containers that use volume `name`. */
export function volumeUsers(records: ContainerRecords, name: string): ContainerRecord[] {
  return records.list().filter((r) => r.mounts.some((m) => m.type === "volume" && m.name === name));
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
