import { StrataError } from "@strata/core";

/** Tar entry types strata writes and reads. */
export const TarType = {
  file: "0",
  link: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
  paxHeader: "x",
  paxGlobal: "g",
  gnuLongName: "L",
  gnuLongLink: "K",
} as const;

export interface TarHeader {
  /** Relative, forward slashes; directories end in "/". */
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Raw xattr values, written as `SCHILY.xattr.NAME` PAX records. */
  xattrs?: ReadonlyMap<string, Buffer>;
}

export const BLOCK = 512;
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

/**
 * Encodes one entry header: a USTAR block, preceded by a PAX extended header (sorted records)
 * only when a field does not fit USTAR: names over 100 bytes or not ASCII, ids above 2097151,
 * sizes of 8 GiB and more, negative or huge mtimes, xattrs. The same input always gives the
 * same bytes; uname/gname are empty and no atime/ctime is written.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const pax: [string, Buffer][] = [];
  const name = fitText(h.name, 100, "path", pax);
  const linkname = fitText(h.linkname ?? "", 100, "linkpath", pax);
  const uid = fitNumber(h.uid, MAX_OCTAL_8, "uid", pax);
  const gid = fitNumber(h.gid, MAX_OCTAL_8, "gid", pax);
  const size = fitNumber(h.size, MAX_OCTAL_12, "size", pax);
  const mtime = fitNumber(h.mtime, MAX_OCTAL_12, "mtime", pax);
  if (h.xattrs) for (const [k, v] of h.xattrs) pax.push([`SCHILY.xattr.${k}`, v]);

  const block = ustarBlock({ ...h, name, linkname, uid, gid, size, mtime });
  if (pax.length === 0) return block;
  pax.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const body = Buffer.concat(pax.map(([k, v]) => paxRecord(k, v)));
  const paxHeader = ustarBlock({
    name: paxHeaderName(h.name),
    type: TarType.paxHeader,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: 0,
    linkname: "",
  });
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), block]);
}

/** Zero bytes needed after `size` bytes of data to reach a block boundary. */
export const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** Two zero blocks: the end of an archive (and, alone, a valid empty archive). */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

function paxHeaderName(name: string): string {
  const base = name.replace(/\/$/, "").split("/").pop() ?? "";
  const ascii = Buffer.from(`PaxHeaders.0/${base}`, "utf8").subarray(0, 99).toString("latin1");
  return ascii.replace(/[^\x20-\x7e]/g, "_");
}

/** "<len> key=value\n" where len counts the whole record, itself included. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(key) + value.length + 3; // space, '=', '\n'
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from("\n")]);
}

function fitText(s: string, max: number, key: string, pax: [string, Buffer][]): string {
  const bytes = Buffer.byteLength(s);
  if (bytes <= max && /^[\x01-\x7f]*$/.test(s)) return s;
  pax.push([key, Buffer.from(s, "utf8")]);
  return Buffer.from(s, "utf8").subarray(0, max).toString("latin1").replace(/[^\x20-\x7e]/g, "_");
}

function fitNumber(n: number, max: number, key: string, pax: [string, Buffer][]): number {
  if (!Number.isSafeInteger(n)) throw new StrataError("INVALID_ARGUMENT", `tar ${key} is not an integer: ${n}`);
  if (n >= 0 && n <= max) return n;
  pax.push([key, Buffer.from(String(n))]);
  return n < 0 ? 0 : max;
}

function ustarBlock(h: TarHeader & { linkname: string }): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, "latin1");
  octal(b, 100, 8, h.mode & 0o7777);
  octal(b, 108, 8, h.uid);
  octal(b, 116, 8, h.gid);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime);
  b.write(h.type, 156, 1, "latin1");
  b.write(h.linkname, 157, 100, "latin1");
  b.write("ustar\u000000", 257, 8, "latin1");
  if (h.type === TarType.char || h.type === TarType.block) {
    octal(b, 329, 8, h.devmajor ?? 0);
    octal(b, 337, 8, h.devminor ?? 0);
  }
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  octal(b, 148, 7, sum);
  b[155] = 0x20;
  return b;
}

/** Zero-padded octal, NUL-terminated, filling `width` bytes. */
function octal(b: Buffer, offset: number, width: number, n: number): void {
  let v = n;
  for (let i = offset + width - 2; i >= offset; i--) {
    b[i] = 0x30 + (v % 8);
    v = Math.floor(v / 8);
  }
  b[offset + width - 1] = 0;
}
