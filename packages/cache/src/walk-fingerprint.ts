import { createHash } from "node:crypto";
import type { WalkedEntry } from "./context-walk.js";

const KIND_CODE = { file: 0, dir: 1, symlink: 2 } as const;
const NUMBERS = 7;
const BATCH = 512;

/**
 * A digest of everything a walk saw: each path, kind, symlink target and full stat identity
 * (device, mode, inode, size, mtime, ctime). When it equals the one a checksum was remembered
 * under, the tree is the one that checksum describes (the stat cache's reasoning, applied to
 * the whole listing), and the per-file work can be skipped. Paths go to one hash as NUL-separated
 * text, numbers to another as raw float64s, so neither needs escaping or number formatting.
 */
export function walkFingerprint(walked: readonly WalkedEntry[]): string {
  const text = createHash("sha256");
  const numbers = createHash("sha256");
  const batch = new Float64Array(NUMBERS * BATCH);
  let k = 0;
  let chunk = "";
  for (const w of walked) {
    chunk += `${w.rel}\0${w.target ?? ""}\0`;
    if (chunk.length > 65536) {
      text.update(chunk, "utf8");
      chunk = "";
    }
    const st = w.st;
    batch[k] = KIND_CODE[w.kind];
    batch[k + 1] = st.dev;
    batch[k + 2] = st.mode;
    batch[k + 3] = st.ino;
    batch[k + 4] = st.size;
    batch[k + 5] = st.mtimeMs;
    batch[k + 6] = st.ctimeMs;
    k += NUMBERS;
    if (k === batch.length) {
      numbers.update(batch);
      k = 0;
    }
  }
  text.update(chunk, "utf8");
  numbers.update(batch.subarray(0, k));
  return `${walked.length}:${text.digest("hex")}:${numbers.digest("hex")}`;
}
