import { StrataError, cleanPath } from "@strata/core";
import { validateVolumeName } from "./volume-store.js";

/** A mount a container asked for, before its volume exists. */
export type MountRequest =
  | { type: "volume"; name?: string; destination: string; readOnly: boolean; noCopy: boolean }
  | { type: "bind"; source: string; destination: string; readOnly: boolean; createSource: boolean }
  | { type: "tmpfs"; destination: string; readOnly: boolean; options: string[] };

const MODES = new Set(["ro", "rw", "z", "Z", "nocopy", "shared", "rshared", "slave", "rslave", "private", "rprivate", "delegated", "cached", "consistent"]);

const invalidSpec = (raw: string, why?: string) =>
  new StrataError("INVALID_ARGUMENT", why ? `invalid volume specification: '${raw}': ${why}` : `invalid volume specification: '${raw}'`);

function destination(raw: string, p: string, type: string): string {
  if (!p.startsWith("/")) {
    throw invalidSpec(raw, `invalid mount config for type "${type}": invalid mount path: '${p}' mount path must be absolute`);
  }
  const d = cleanPath(p);
  if (d === "/") throw new StrataError("INVALID_ARGUMENT", `invalid specification: destination can't be '/' in '${raw}'`);
  return d;
}

/** `-v`: `/path` (anonymous volume), `NAME:/path[:opts]`, `/host:/path[:opts]` (bind), as Docker's Linux parser reads them. */
export function parseVolumeFlag(raw: string): MountRequest {
  const parts = raw.split(":");
  if (parts.some((p) => p === "")) throw new StrataError("INVALID_ARGUMENT", `invalid spec: ${raw}: empty section between colons`);
  let source: string | undefined;
  let dest: string;
  let mode = "";
  if (parts.length === 1) dest = parts[0]!;
  else if (parts.length === 2) {
    if (MODES.has(parts[1]!) || parts[1]!.split(",").every((m) => MODES.has(m))) throw invalidSpec(raw);
    [source, dest] = parts as [string, string];
  } else if (parts.length === 3) [source, dest, mode] = parts as [string, string, string];
  else throw invalidSpec(raw);
  const modes = mode === "" ? [] : mode.split(",");
  for (const m of modes) if (!MODES.has(m)) throw new StrataError("INVALID_ARGUMENT", `invalid mode: ${m}`);
  if (modes.includes("ro") && modes.includes("rw")) throw new StrataError("INVALID_ARGUMENT", `invalid mode: ${mode}`);
  const readOnly = modes.includes("ro");
  if (source === undefined) return { type: "volume", destination: destination(raw, dest, "volume"), readOnly, noCopy: modes.includes("nocopy") };
  if (source.startsWith("/")) {
    return { type: "bind", source: cleanPath(source), destination: destination(raw, dest, "bind"), readOnly, createSource: true };
  }
  return { type: "volume", name: validateVolumeName(source), destination: destination(raw, dest, "volume"), readOnly, noCopy: modes.includes("nocopy") };
}

const truthy = (v: string | undefined) => v === undefined || v === "" || v === "1" || v === "true";

/** `--mount type=volume|bind|tmpfs,source=…,target=…[,readonly][,volume-nocopy][,tmpfs-size=…][,tmpfs-mode=…]`. */
export function parseMountFlag(raw: string): MountRequest {
  const fields = new Map<string, string | undefined>();
  for (const field of raw.split(",")) {
    if (field === "") continue;
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    fields.set(key, eq < 0 ? undefined : field.slice(eq + 1));
  }
  const known = ["type", "source", "src", "target", "destination", "dst", "readonly", "ro", "volume-nocopy", "bind-propagation", "tmpfs-size", "tmpfs-mode", "consistency", "volume-driver", "volume-label", "volume-opt"];
  for (const k of fields.keys()) if (!known.includes(k)) throw new StrataError("INVALID_ARGUMENT", `invalid field '${k}' must be a key=value pair`);
  const type = fields.get("type") ?? "volume";
  const source = fields.get("source") ?? fields.get("src");
  const target = fields.get("target") ?? fields.get("destination") ?? fields.get("dst");
  if (!target) throw new StrataError("INVALID_ARGUMENT", `invalid argument "${raw}" for "--mount" flag: target is required`);
  const readOnly = fields.has("readonly") ? truthy(fields.get("readonly")) : fields.has("ro") ? truthy(fields.get("ro")) : false;
  const bad = (why: string) => new StrataError("INVALID_ARGUMENT", `invalid mount config for type "${type}": ${why}`);
  const dest = () => {
    if (!target.startsWith("/")) throw bad(`invalid mount path: '${target}' mount path must be absolute`);
    if (cleanPath(target) === "/") throw bad("destination can't be '/'");
    return cleanPath(target);
  };
  switch (type) {
    case "volume":
      return { type: "volume", name: source === undefined || source === "" ? undefined : validateVolumeName(source), destination: dest(), readOnly, noCopy: fields.has("volume-nocopy") && truthy(fields.get("volume-nocopy")) };
    case "bind":
      if (!source) throw bad("field Source must not be empty");
      if (!source.startsWith("/")) throw bad(`invalid mount path: '${source}' mount path must be absolute`);
      return { type: "bind", source: cleanPath(source), destination: dest(), readOnly, createSource: false };
    case "tmpfs": {
      if (source) throw bad("source must not be specified");
      const options = ["nosuid", "nodev", "noexec"];
      const size = fields.get("tmpfs-size");
      if (size !== undefined) options.push(`size=${tmpfsSize(size)}`);
      const mode = fields.get("tmpfs-mode");
      if (mode !== undefined) {
        if (!/^[0-7]{1,4}$/.test(mode)) throw bad(`invalid tmpfs-mode ${mode}`);
        options.push(`mode=${mode}`);
      }
      return { type: "tmpfs", destination: dest(), readOnly, options };
    }
    default:
      throw new StrataError("INVALID_ARGUMENT", `invalid mount type: ${type} (volume, bind, tmpfs)`);
  }
}

function tmpfsSize(s: string): string {
  const m = /^(\d+)([kmg]?)b?$/i.exec(s.trim());
  if (!m) throw new StrataError("INVALID_ARGUMENT", `invalid tmpfs-size: ${s}`);
  return `${m[1]}${m[2]!.toLowerCase()}`;
}

/** `--volumes-from NAME[:ro|:rw]`. */
export function parseVolumesFrom(raw: string): { container: string; mode?: "ro" | "rw" } {
  const [container, mode, ...rest] = raw.split(":");
  if (!container || rest.length > 0 || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
    throw new StrataError("INVALID_ARGUMENT", `invalid --volumes-from spec: ${raw} (CONTAINER[:ro|:rw])`);
  }
  return { container, ...(mode ? { mode: mode as "ro" | "rw" } : {}) };
}
