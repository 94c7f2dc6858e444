import { randomBytes } from "node:crypto";
import { open, rename } from "node:fs/promises";
import path from "node:path";

/**
 * Write a small file atomically: temp file in the same directory, fsync, rename. `durable: false`
 * skips the fsync, for files whose loss or truncation in a crash is harmless (caches).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "w", 0o644);
  try {
    await fh.writeFile(data);
    if (opts.durable !== false) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
