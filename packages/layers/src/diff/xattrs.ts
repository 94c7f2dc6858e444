import { StrataError, SubprocessError, run } from "@strata/core";

/** Extended attributes of one file, name → raw value. */
export type Xattrs = ReadonlyMap<string, Buffer>;

export const NO_XATTRS: Xattrs = new Map();

/**
 * The xattrs a layer carries: file capabilities and user attributes. `trusted.*` (overlay's
 * own bookkeeping) and `security.selinux` (host labels) never go into a layer.
 */
export function isLayerXattr(name: string): boolean {
  return name === "security.capability" || name.startsWith("user.");
}

/** The layer xattrs among all of a file's xattrs. */
export function layerXattrs(all: ReadonlyMap<string, Buffer> | undefined): Xattrs {
  if (!all) return NO_XATTRS;
  let out: Map<string, Buffer> | undefined;
  for (const [k, v] of all) if (isLayerXattr(k)) (out ??= new Map()).set(k, v);
  return out ?? NO_XATTRS;
}

export function sameXattrs(a: Xattrs, b: Xattrs): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || !w.equals(v)) return false;
  }
  return true;
}

/**
 * Every xattr under `root` (not following symlinks), read by ONE `getfattr -R` process and
 * keyed by absolute path. Files without xattrs do not appear. Includes `trusted.*` so callers
 * can see overlay's opaque markers; filter with `isLayerXattr` before writing a layer.
 */
export async function dumpXattrTree(root: string): Promise<Map<string, Map<string, Buffer>>> {
  const out = await runGetfattr(["-R", "-P", "-h", "--absolute-names", "-d", "-m", "-", "-e", "hex", root]);
  return parseGetfattrDump(out);
}

/** The xattrs of some absolute paths (symlinks not followed), with ONE process. Paths without xattrs are absent. */
export async function readXattrs(files: readonly string[]): Promise<Map<string, Map<string, Buffer>>> {
  const result = new Map<string, Map<string, Buffer>>();
  for (let i = 0; i < files.length; i += 512) {
    const out = await runGetfattr(["-h", "--absolute-names", "-d", "-m", "-", "-e", "hex", "--", ...files.slice(i, i + 512)]);
    for (const [k, v] of parseGetfattrDump(out)) result.set(k, v);
  }
  return result;
}

async function runGetfattr(args: string[]): Promise<Buffer> {
  const r = await run("getfattr", args);
  if (r.failed && r.stdout.length === 0) {
    const stderr = r.stderr.toString().trim();
    // A tree without any xattr-capable entry or a vanished file is not an error.
    if (!/No such file|Operation not supported/.test(stderr)) {
      throw new StrataError("INTERNAL", `getfattr ${args.at(-1)}: ${new SubprocessError(r).message}`, {
        hint: r.spawnError?.code === "ENOENT" ? "install the `attr` package" : undefined,
      });
    }
  }
  return r.stdout;
}

/** Parses `getfattr --dump -e hex` output; file names come back with getfattr's octal escapes undone. */
export function parseGetfattrDump(text: Buffer): Map<string, Map<string, Buffer>> {
  const files = new Map<string, Map<string, Buffer>>();
  let current: Map<string, Buffer> | undefined;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(0x0a, start);
    if (end < 0) end = text.length;
    const line = text.subarray(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    if (line.subarray(0, 8).toString("latin1") === "# file: ") {
      current = new Map();
      files.set(unescapeOctal(line.subarray(8)), current);
      continue;
    }
    const eq = line.indexOf(0x3d);
    if (!current || eq < 0) continue;
    const name = line.subarray(0, eq).toString("utf8");
    const value = line.subarray(eq + 1).toString("latin1");
    current.set(name, decodeValue(value));
  }
  return files;
}

function decodeValue(v: string): Buffer {
  if (v.startsWith("0x")) return Buffer.from(v.slice(2), "hex");
  if (v.startsWith("0s")) return Buffer.from(v.slice(2), "base64");
  if (v.startsWith('"') && v.endsWith('"')) return Buffer.from(unescapeOctal(Buffer.from(v.slice(1, -1), "latin1")), "utf8");
  return Buffer.from(v, "latin1");
}

function unescapeOctal(b: Buffer): string {
  if (!b.includes(0x5c)) return b.toString("utf8");
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x5c && i + 3 < b.length + 0 && isOctal(b[i + 1]) && isOctal(b[i + 2]) && isOctal(b[i + 3])) {
      out.push(((b[i + 1]! - 48) << 6) | ((b[i + 2]! - 48) << 3) | (b[i + 3]! - 48));
      i += 3;
    } else if (c === 0x5c && b[i + 1] === 0x5c) {
      out.push(0x5c);
      i += 1;
    } else out.push(c);
  }
  return Buffer.from(out).toString("utf8");
}

const isOctal = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 55;

/** Escapes a path for a `setfattr --restore` file (the inverse of getfattr's quoting). */
export function escapeForDump(p: string): string {
  let out = "";
  for (const byte of Buffer.from(p, "utf8")) {
    if (byte <= 0x20 || byte === 0x5c || byte === 0x7f || byte === 0x3d) out += "\\" + byte.toString(8).padStart(3, "0");
    else out += String.fromCharCode(byte);
  }
  return out;
}

/**
 * Sets many xattrs with ONE `setfattr --restore` process (symlinks are not followed).
 * Paths must be absolute and already checked to lie inside the target root.
 */
export async function setXattrsBatch(items: ReadonlyArray<{ path: string; name: string; value: Buffer }>): Promise<void> {
  if (items.length === 0) return;
  const lines: Buffer[] = [];
  for (const it of items) {
    lines.push(Buffer.from(`# file: `, "latin1"), Buffer.from(escapeForDump(it.path), "latin1"), Buffer.from(`\n${it.name}=0x${it.value.toString("hex")}\n\n`));
  }
  const r = await run("setfattr", ["-h", "--restore=-"], { input: Buffer.concat(lines) });
  if (r.failed) throw new StrataError("INTERNAL", `setfattr --restore: ${new SubprocessError(r).message}`);
}
