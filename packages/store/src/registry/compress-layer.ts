import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { compressFile } from "../compression.js";

/**
 * A layer's compressed bytes for a push. gzip of data that does not compress (already
 * compressed files, random bytes) costs pigz ~40 s of both cores per GiB on this machine to
 * make the blob slightly *larger*; such a layer is written as gzip with stored (uncompressed)
 * deflate blocks instead: a valid gzip stream every client reads, made at the speed of a CRC.
 * The choice depends only on the layer's bytes (samples deflated at level 1), and both forms
 * are deterministic, so the pushed digest of a layer is the same from any store.
 */
export async function* compressLayer(kind: "gzip" | "zstd", file: string, what: string): AsyncGenerator<Uint8Array> {
  if (kind === "gzip" && (await incompressible(file))) {
    yield* storedGzip(file);
    return;
  }
  yield* compressFile(kind, file, what);
}

const SAMPLE = 256 * 1024;
const SAMPLES = 8;
/** Deflated samples at least this fraction of their size: not worth compressing. */
const THRESHOLD = 0.95;

/** Whether level-1 deflate of evenly spread samples saves less than 5 %. Small files: never. */
export async function incompressible(file: string): Promise<boolean> {
  const { size } = await stat(file);
  if (size < 4 * SAMPLE) return false;
  const { deflateRawSync } = await import("node:zlib");
  const fh = await open(file, "r");
  try {
    let raw = 0;
    let packed = 0;
    const buf = Buffer.alloc(SAMPLE);
    for (let i = 0; i < SAMPLES; i++) {
      const offset = Math.floor(((size - SAMPLE) * i) / (SAMPLES - 1));
      const { bytesRead } = await fh.read(buf, 0, SAMPLE, offset);
      raw += bytesRead;
      packed += deflateRawSync(buf.subarray(0, bytesRead), { level: 1 }).length;
    }
    return packed >= raw * THRESHOLD;
  } finally {
    await fh.close();
  }
}

const BLOCK = 65535;

/**
 * gzip (RFC 1952) of `file` with stored deflate blocks (RFC 1951 §3.2.4) of exactly 65,535
 * bytes (the last shorter, or an empty final block): the same bytes for the same input,
 * however the file is read.
 */
export async function* storedGzip(file: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let crc = 0;
  let total = 0;
  let pending: Buffer = Buffer.alloc(0);
  const block = (data: Buffer, final: boolean) => {
    const head = Buffer.alloc(5);
    head[0] = final ? 1 : 0;
    head.writeUInt16LE(data.length, 1);
    head.writeUInt16LE(~data.length & 0xffff, 3);
    return Buffer.concat([head, data]);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    crc = crc32(chunk, crc);
    total += chunk.length;
    let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const out: Buffer[] = [];
    // Keep at least one byte back: the final block must carry BFINAL.
    while (data.length > BLOCK) {
      out.push(block(data.subarray(0, BLOCK), false));
      data = data.subarray(BLOCK);
    }
    pending = Buffer.from(data);
    if (out.length) yield Buffer.concat(out);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(total % 2 ** 32, 4);
  yield Buffer.concat([block(pending, true), trailer]);
}

const TABLE = (() => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c;
    }
  }
  return t;
})();

/** CRC-32 (gzip's), slicing by 8: zlib.crc32 exists only from Node 22. */
export function crc32(buf: Uint8Array, previous = 0): number {
  const T = TABLE;
  let crc = ~previous;
  let i = 0;
  const n = buf.length;
  const end = n - (n % 8);
  for (; i < end; i += 8) {
    const a = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ crc;
    crc =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
  }
  for (; i < n; i++) crc = T[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
