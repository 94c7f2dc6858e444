import { StrataError } from "@strata/core";
import { ByteReader } from "./byte-reader.js";
import { BLOCK, padding, TarType, type TarHeader } from "./tar-header.js";

/** A header as read: every field present (`name` as stored, not yet normalised). */
export interface TarEntry extends Required<Omit<TarHeader, "xattrs">> {
  xattrs: Map<string, Buffer>;
  /** The body; must be consumed (or left: the reader skips what is not read) before the next entry. */
  body: AsyncIterable<Buffer>;
}

const bad = (msg: string) => new StrataError("INVALID_ARGUMENT", `invalid layer tar: ${msg}`);

/**
 * Reads a tar stream (USTAR, PAX with `SCHILY.xattr.*`, GNU long names), one entry at a time,
 * never holding more than one header and one chunk. Stops at the end-of-archive marker.
 */
export async function* readTar(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source);
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await r.read(BLOCK);
    if (block.length === 0) return; // tolerate a missing end marker
    if (block.length < BLOCK) throw bad("truncated header");
    if (block.every((b) => b === 0)) return;
    verifyChecksum(block);
    const type = String.fromCharCode(block[156]!) || TarType.file;
    const size = readNumber(block, 124, 12);
    if (type === TarType.paxHeader || type === TarType.paxGlobal || type === TarType.gnuLongName || type === TarType.gnuLongLink) {
      if (size > 1 << 24) throw bad(`extended header of ${size} bytes`);
      const data = await r.read(size);
      if (data.length < size) throw bad("truncated extended header");
      await r.read(padding(size));
      if (type === TarType.paxHeader) pax = parsePax(data);
      else if (type === TarType.gnuLongName) longName = cString(data, 0, data.length);
      else if (type === TarType.gnuLongLink) longLink = cString(data, 0, data.length);
      continue; // global headers carry nothing a layer needs
    }
    const magic = block.subarray(257, 263).toString("latin1");
    let name = cString(block, 0, 100);
    const prefix = magic.startsWith("ustar") ? cString(block, 345, 155) : "";
    if (prefix) name = `${prefix}/${name}`;
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of pax) if (k.startsWith("SCHILY.xattr.")) xattrs.set(k.slice("SCHILY.xattr.".length), v);
    const paxText = (k: string) => pax.get(k)?.toString("utf8");
    const paxInt = (k: string, fallback: number) => (pax.has(k) ? Math.floor(Number(paxText(k))) : fallback);
    const entrySize = paxInt("size", size);
    const entry: TarEntry = {
      name: paxText("path") ?? longName ?? name,
      type: type === "\0" || type === "7" ? TarType.file : type,
      mode: readNumber(block, 100, 8),
      uid: paxInt("uid", readNumber(block, 108, 8)),
      gid: paxInt("gid", readNumber(block, 116, 8)),
      size: type === TarType.dir || type === TarType.link || type === TarType.symlink ? 0 : entrySize,
      mtime: paxInt("mtime", readNumber(block, 136, 12)),
      linkname: paxText("linkpath") ?? longLink ?? cString(block, 157, 100),
      devmajor: readNumber(block, 329, 8),
      devminor: readNumber(block, 337, 8),
      xattrs,
      body: r.chunks(0),
    };
    if (!Number.isSafeInteger(entry.size) || entry.size < 0) throw bad(`bad size for ${entry.name}`);
    pax = new Map();
    longName = longLink = undefined;
    let consumed = 0;
    const body = r.chunks(entrySize);
    entry.body = (async function* () {
      for await (const c of body) {
        consumed += c.length;
        yield c;
      }
    })();
    yield entry;
    for await (const c of body) consumed += c.length;
    if (consumed < entrySize) throw bad(`truncated body of ${entry.name}`);
    await r.read(padding(entrySize));
  }
}

function verifyChecksum(b: Buffer): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  if (readNumber(b, 148, 8) !== sum) throw bad("header checksum mismatch");
}

function cString(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString("utf8");
}

/** Octal (space/NUL terminated) or GNU base-256 for large values. */
function readNumber(b: Buffer, off: number, len: number): number {
  if (b[off]! & 0x80) {
    let n = b[off]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + b[off + i]!;
    return n;
  }
  const s = b.subarray(off, off + len).toString("latin1").replace(/[\0 ]+$/, "").trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw bad(`bad number field "${s}"`);
  return parseInt(s, 8);
}

/** PAX records are "<len> key=value\n"; values may be binary (xattrs), so parse by length. */
function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(data.subarray(pos, sp).toString("latin1"), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > data.length) throw bad("bad PAX record");
    const rec = data.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw bad("bad PAX record");
    out.set(rec.subarray(0, eq).toString("utf8"), Buffer.from(rec.subarray(eq + 1)));
    pos += len;
  }
  return out;
}
