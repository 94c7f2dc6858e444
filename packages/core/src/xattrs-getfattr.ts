import { StrataError } from "./errors.js";
import { run, SubprocessError } from "./subprocess.js";

// The fallback for xattrs when @napi-rs/xattr cannot load: attr's getfattr and setfattr, one
// process per batch, speaking their `--dump -e hex` text format.

/** Every xattr under `root` (symlinks not followed) with ONE `getfattr -R`, by absolute path. */
export async function getfattrTree(root: string): Promise<Map<string, Map<string, Buffer>>> {
  return parseGetfattrDump(await runGetfattr(["-R", "-P", "-h", "--absolute-names", "-d", "-m", "-", "-e", "hex", root]));
}

/** The xattrs of some absolute paths (symlinks not followed), one process per 512 paths. */
export async function getfattrPaths(files: readonly string[]): Promise<Map<string, Map<string, Buffer>>> {
  const result = new Map<string, Map<string, Buffer>>();
  for (let i = 0; i < files.length; i += 512) {
    const out = await runGetfattr(["-h", "--absolute-names", "-d", "-m", "-", "-e", "hex", "--", ...files.slice(i, i + 512)]);
    for (const [k, v] of parseGetfattrDump(out)) result.set(k, v);
  }
  return result;
}

/** Sets many xattrs with ONE `setfattr --restore` (symlinks not followed). */
export async function setfattrRestore(items: ReadonlyArray<{ path: string; name: string; value: Buffer }>): Promise<void> {
  const lines: Buffer[] = [];
  for (const it of items) {
    lines.push(
      Buffer.from("# file: ", "latin1"),
      Buffer.from(escapeForDump(it.path), "latin1"),
      Buffer.from(`\n${escapeForDump(it.name)}=0x${it.value.toString("hex")}\n\n`, "latin1"),
    );
  }
  const r = await run("setfattr", ["-h", "--restore=-"], { input: Buffer.concat(lines) });
  if (r.failed) throw new StrataError("INTERNAL", `setfattr --restore: ${new SubprocessError(r).message}`);
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

/** Parses `getfattr --dump -e hex` output; names come back with getfattr's octal escapes undone. */
function parseGetfattrDump(text: Buffer): Map<string, Map<string, Buffer>> {
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
    current.set(unescapeOctal(line.subarray(0, eq)), decodeValue(line.subarray(eq + 1).toString("latin1")));
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
    if (c === 0x5c && isOctal(b[i + 1]) && isOctal(b[i + 2]) && isOctal(b[i + 3])) {
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

/** Escapes a path or name for a `setfattr --restore` file (the inverse of getfattr's quoting). */
function escapeForDump(p: string): string {
  let out = "";
  for (const byte of Buffer.from(p, "utf8")) {
    if (byte <= 0x20 || byte === 0x5c || byte === 0x7f || byte === 0x3d) out += "\\" + byte.toString(8).padStart(3, "0");
    else out += String.fromCharCode(byte);
  }
  return out;
}
