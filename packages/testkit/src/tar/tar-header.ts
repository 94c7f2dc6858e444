/**
 * ustar header encoding/decoding with PAX extended records. Written by hand (rather than
 * node-tar) because the oracle needs what node-tar drops: xattrs (SCHILY.xattr.*), device
 * numbers and the exact mode bits.
 */

export const BLOCK = 512;

export type TarType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarHeader {
  path: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkName?: string;
  devMajor?: number;
  devMinor?: number;
  xattrs?: Record<string, string>;
}

const TYPE_FLAGS: Record<TarType, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
};

export function typeFromFlag(flag: string): TarType | undefined {
  if (flag === "\0" || flag === "7") return "file";
  return (Object.keys(TYPE_FLAGS) as TarType[]).find((t) => TYPE_FLAGS[t] === flag);
}

// ---------- encoding ----------

function writeString(buf: Buffer, off: number, len: number, s: string): void {
  buf.write(s, off, len, "utf8");
}

function writeOctal(buf: Buffer, off: number, len: number, n: number): void {
  writeString(buf, off, len, n.toString(8).padStart(len - 1, "0") + "\0");
}

const fitsOctal = (n: number, len: number) => n >= 0 && n < 8 ** (len - 1);

/** One PAX record: "<len> key=value\n" where len counts the whole record. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  let total = len + String(len).length;
  if (String(total).length !== String(len).length) total = len + String(total).length;
  return `${total}${body}`;
}

function ustarHeader(h: TarHeader, name: string, prefix: string, typeFlag: string, size: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, 0, 100, name);
  writeOctal(buf, 100, 8, fitsOctal(h.mode, 8) ? h.mode : 0);
  writeOctal(buf, 108, 8, fitsOctal(h.uid, 8) ? h.uid : 0);
  writeOctal(buf, 116, 8, fitsOctal(h.gid, 8) ? h.gid : 0);
  writeOctal(buf, 124, 12, fitsOctal(size, 12) ? size : 0);
  writeOctal(buf, 136, 12, fitsOctal(h.mtime, 12) ? h.mtime : 0);
  buf.fill(0x20, 148, 156);
  writeString(buf, 156, 1, typeFlag);
  writeString(buf, 157, 100, h.linkName && Buffer.byteLength(h.linkName) <= 100 ? h.linkName : "");
  writeString(buf, 257, 8, "ustar\x0000");
  writeOctal(buf, 329, 8, h.devMajor ?? 0);
  writeOctal(buf, 337, 8, h.devMinor ?? 0);
  writeString(buf, 345, 155, prefix);
  let sum = 0;
  for (const b of buf) sum += b;
  writeString(buf, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return buf;
}

/** Split a path into ustar (prefix, name); undefined when it needs PAX. */
function splitUstarPath(p: string): [string, string] | undefined {
  if (Buffer.byteLength(p) <= 100) return ["", p];
  for (let i = p.indexOf("/"); i >= 0; i = p.indexOf("/", i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") return [prefix, name];
  }
  return undefined;
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/** Header blocks for an entry (a PAX header first when ustar cannot hold it). */
export function encodeHeader(h: TarHeader): Buffer {
  const size = h.type === "file" ? h.size : 0;
  const split = splitUstarPath(h.path);
  const pax: string[] = [];
  if (!split) pax.push(paxRecord("path", h.path));
  if (h.linkName && Buffer.byteLength(h.linkName) > 100) pax.push(paxRecord("linkpath", h.linkName));
  if (!fitsOctal(size, 12)) pax.push(paxRecord("size", String(size)));
  if (!fitsOctal(h.uid, 8)) pax.push(paxRecord("uid", String(h.uid)));
  if (!fitsOctal(h.gid, 8)) pax.push(paxRecord("gid", String(h.gid)));
  for (const k of Object.keys(h.xattrs ?? {}).sort()) pax.push(paxRecord(`SCHILY.xattr.${k}`, h.xattrs![k]!));
  const [prefix, name] = split ?? ["", h.path.slice(0, 100)];
  const main = ustarHeader(h, name, prefix, TYPE_FLAGS[h.type], size);
  if (pax.length === 0) return main;
  const body = Buffer.from(pax.join(""));
  const paxHead = ustarHeader(
    { ...h, linkName: undefined, mode: 0o644, uid: 0, gid: 0 },
    "PaxHeaders/" + name.slice(0, 80),
    "",
    "x",
    body.length,
  );
  return Buffer.concat([paxHead, body, Buffer.alloc(padding(body.length)), main]);
}

export const paddingFor = padding;

// ---------- decoding ----------

function readString(buf: Buffer, off: number, len: number): string {
  const slice = buf.subarray(off, off + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul < 0 ? len : nul).toString("utf8");
}

function readNumber(buf: Buffer, off: number, len: number): number {
  if (buf[off]! & 0x80) {
    // base-256 (GNU): big-endian, top bit is the marker
    let n = buf[off]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + buf[off + i]!;
    return n;
  }
  const s = readString(buf, off, len).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

export function isZeroBlock(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0) return false;
  return true;
}

/** The raw fields of one 512-byte header block. */
export interface RawHeader {
  name: string;
  typeFlag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkName: string;
  devMajor: number;
  devMinor: number;
}

export function decodeRawHeader(buf: Buffer): RawHeader {
  const magic = readString(buf, 257, 6);
  const prefix = magic.startsWith("ustar") ? readString(buf, 345, 155) : "";
  const name = readString(buf, 0, 100);
  return {
    name: prefix && magic === "ustar" ? `${prefix}/${name}` : name,
    typeFlag: String.fromCharCode(buf[156]!) || "0",
    mode: readNumber(buf, 100, 8),
    uid: readNumber(buf, 108, 8),
    gid: readNumber(buf, 116, 8),
    size: readNumber(buf, 124, 12),
    mtime: readNumber(buf, 136, 12),
    linkName: readString(buf, 157, 100),
    devMajor: readNumber(buf, 329, 8),
    devMinor: readNumber(buf, 337, 8),
  };
}

/** Parse a PAX extended header body into key → value. */
export function parsePax(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(body.subarray(pos, space).toString("ascii"), 10);
    if (!(len > 0)) break;
    const record = body.subarray(space + 1, pos + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}
