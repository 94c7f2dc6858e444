import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import path from "node:path";

/**
 * Below this size a file is written with blocking calls: each promise-API call is a thread-pool
 * round trip that costs more than the write itself (a build writes dozens of these per step).
 */
const SMALL_FILE = 64 * 1024;

/**
 * Write a small file atomically: temp file in the same directory, fsync, rename. `durable: false`
 * skips the fsync, for files whose loss or truncation in a crash is harmless (caches).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  if (bytes.byteLength <= SMALL_FILE) {
    const fd = openSync(tmp, "w", 0o644);
    try {
      for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off);
      if (opts.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return;
  }
  const fh = await open(tmp, "w", 0o644);
  try {
    await fh.writeFile(bytes);
    if (opts.durable !== false) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
