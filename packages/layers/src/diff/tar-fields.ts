import { StrataError } from "@strata/core";
import { BLOCK, TarType, type TarHeader } from "./tar-header.js";
import { NO_XATTRS } from "./xattrs.js";

/** An entry header as read: every field present (`name` as stored, not yet normalised). */
export interface ReadHeader extends Required<Omit<TarHeader, "xattrs">> {
  xattrs: ReadonlyMap<string, Buffer>;
}

/** What a header block is: an entry, or extended data (PAX, GNU long names) for the next one. */
export type HeaderBlock =
  | { kind: "end" }
  | { kind: "extended"; type: string; size: number }
  | { kind: "entry"; header: ReadHeader; /** bytes of body that follow */ bodySize: number };

/** Extended data that applies to the next entry. */
export interface PendingExtensions {
  pax: Map<string, Buffer>;
  longName?: string;
  longLink?: string;
}

export const badTar = (msg: string) => new StrataError("INVALID_ARGUMENT", `invalid layer tar: ${msg}`);

/** Largest extended header accepted (PAX records, GNU long names). */
export const MAX_EXTENDED = 1 << 24;

/** Decodes one 512-byte header block, applying (and not clearing) the pending extensions. */
export function decodeHeaderBlock(block: Buffer, ext: PendingExtensions): HeaderBlock {
  if (isZero(block)) return { kind: "end" };
  verifyChecksum(block);
  const type = String.fromCharCode(block[156]!) || TarType.file;
  const size = readNumber(block, 124, 12);
  if (type === TarType.paxHeader || type === TarType.paxGlobal || type === TarType.gnuLongName || type === TarType.gnuLongLink) {
    if (size > MAX_EXTENDED) throw badTar(`extended header of ${size} bytes`);
    return { kind: "extended", type, size };
  }
  const ustar = block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72; // "ustar"
  let name = cString(block, 0, 100);
  const prefix = ustar ? cString(block, 345, 155) : "";
  if (prefix) name = `${prefix}/${name}`;
  const { pax } = ext;
  // Most headers have no PAX records: no map of their own for xattrs then.
  const xattrs = pax.size === 0 ? NO_XATTRS : xattrsOf(pax);
  const paxText = (k: string) => pax.get(k)?.toString("utf8");
  const paxInt = (k: string, fallback: number) => (pax.size !== 0 && pax.has(k) ? Math.floor(Number(paxText(k))) : fallback);
  const bodySize = paxInt("size", size);
  const header: ReadHeader = {
    name: (pax.size !== 0 ? paxText("path") : undefined) ?? ext.longName ?? name,
    type: type === "\0" || type === "7" ? TarType.file : type,
    mode: readNumber(block, 100, 8),
    uid: paxInt("uid", readNumber(block, 108, 8)),
    gid: paxInt("gid", readNumber(block, 116, 8)),
    size: type === TarType.dir || type === TarType.link || type === TarType.symlink ? 0 : bodySize,
    mtime: paxInt("mtime", readNumber(block, 136, 12)),
    linkname: (pax.size !== 0 ? paxText("linkpath") : undefined) ?? ext.longLink ?? cString(block, 157, 100),
    devmajor: readNumber(block, 329, 8),
    devminor: readNumber(block, 337, 8),
    xattrs,
  };
  if (!Number.isSafeInteger(header.size) || header.size < 0 || !Number.isSafeInteger(bodySize) || bodySize < 0) throw badTar(`bad size for ${header.name}`);
  return { kind: "entry", header, bodySize };
}

/** Records extended data read for the next entry. */
export function applyExtension(ext: PendingExtensions, type: string, data: Buffer): void {
  if (type === TarType.paxHeader) ext.pax = parsePax(data);
  else if (type === TarType.gnuLongName) ext.longName = cString(data, 0, data.length);
  else if (type === TarType.gnuLongLink) ext.longLink = cString(data, 0, data.length);
  // global headers carry nothing a layer needs
}

export const noExtensions = (): PendingExtensions => ({ pax: new Map() });

/** Whether extended data is waiting for the next entry (else the same object can be kept). */
export const hasExtensions = (ext: PendingExtensions): boolean => ext.pax.size !== 0 || ext.longName !== undefined || ext.longLink !== undefined;

function xattrsOf(pax: Map<string, Buffer>): Map<string, Buffer> {
  const xattrs = new Map<string, Buffer>();
  for (const [k, v] of pax) if (k.startsWith("SCHILY.xattr.")) xattrs.set(k.slice("SCHILY.xattr.".length), v);
  return xattrs;
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** The header checksum: the sum of all bytes with the checksum field itself counted as spaces. */
function verifyChecksum(b: Buffer): void {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += b[i]!;
  for (let i = 156; i < BLOCK; i++) sum += b[i]!;
  if (readNumber(b, 148, 8) !== sum) throw badTar("header checksum mismatch");
}

function cString(b: Buffer, off: number, len: number): string {
  let end = off;
  const stop = off + len;
  while (end < stop && b[end] !== 0) end++;
  return end === off ? "" : b.toString("utf8", off, end);
}

/** Octal (space/NUL padded) or GNU base-256 for large values; parsed byte by byte (hot: 8 fields a header). */
function readNumber(b: Buffer, off: number, len: number): number {
  if (b[off]! & 0x80) {
    let n = b[off]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + b[off + i]!;
    return n;
  }
  let i = off;
  const stop = off + len;
  while (i < stop && (b[i] === 0x20 || b[i] === 0)) i++; // leading padding
  let n = 0;
  let digits = 0;
  for (; i < stop; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x37) {
      n = n * 8 + (c - 0x30);
      digits++;
    } else break;
  }
  for (; i < stop; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0) throw badTar(`bad number field "${b.subarray(off, stop).toString("latin1").replace(/\0+$/, "")}"`);
  }
  return digits === 0 ? 0 : n;
}

/** PAX records are "<len> key=value\n"; values may be binary (xattrs), so parse by length. */
function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(data.subarray(pos, sp).toString("latin1"), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > data.length) throw badTar("bad PAX record");
    const rec = data.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw badTar("bad PAX record");
    out.set(rec.subarray(0, eq).toString("utf8"), Buffer.from(rec.subarray(eq + 1)));
    pos += len;
  }
  return out;
}
