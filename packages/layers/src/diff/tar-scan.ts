import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { StrataError } from "@strata/core";
import { BLOCK, padding } from "./tar-header.js";
import { applyExtension, badTar, decodeHeaderBlock, hasExtensions, noExtensions, type ReadHeader } from "./tar-fields.js";

/** An entry of an uncompressed tar file, with where its body starts in that file. */
export interface ScannedTarEntry extends ReadHeader {
  /** Absolute offset of the body in the file. */
  offset: number;
}

const WINDOW = 1 << 16;

/**
 * Reads the headers of an uncompressed tar that lies in a file (the whole file, or `region` of
 * it: a member of an outer archive), skipping the bodies: bytes are read through a 64 KiB window
 * that jumps over large files, so the cost follows the number of entries, not the bytes. Blocking
 * reads: one `readSync` per window beats a thread-pool round trip per header.
 */
export function scanTarFile(file: string, region?: { start: number; length: number }): ScannedTarEntry[] {
  const out: ScannedTarEntry[] = [];
  forEachTarEntry(file, (e) => out.push(e), region);
  return out;
}

/**
 * `scanTarFile` one entry at a time: nothing is kept, so a caller that keeps only what it needs
 * lets the headers die young (20,000 retained headers cost more in GC than their decoding).
 */
export function forEachTarEntry(file: string, onEntry: (e: ScannedTarEntry) => void, region?: { start: number; length: number }): void {
  const fd = openSync(file, "r");
  try {
    const start = region?.start ?? 0;
    const end = region ? start + region.length : fstatSync(fd).size;
    let buf = Buffer.alloc(WINDOW);
    let winStart = 0;
    let winLen = 0;
    /** `n` bytes at absolute `pos`, fewer only at the end of the region. */
    const bytesAt = (pos: number, n: number): Buffer => {
      const want = Math.min(n, end - pos);
      if (pos < winStart || pos + want > winStart + winLen) {
        if (want > buf.length) buf = Buffer.alloc(want);
        winStart = pos;
        winLen = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      }
      return buf.subarray(pos - winStart, pos - winStart + Math.min(want, winLen - (pos - winStart)));
    };
    let ext = noExtensions();
    for (let pos = start; pos < end; ) {
      const block = bytesAt(pos, BLOCK);
      if (block.length < BLOCK) throw badTar("truncated header");
      const decoded = decodeHeaderBlock(block, ext);
      if (decoded.kind === "end") break;
      pos += BLOCK;
      if (decoded.kind === "extended") {
        const data = Buffer.from(bytesAt(pos, decoded.size));
        if (data.length < decoded.size) throw badTar("truncated extended header");
        applyExtension(ext, decoded.type, data);
        pos += decoded.size + padding(decoded.size);
        continue;
      }
      if (hasExtensions(ext)) ext = noExtensions();
      if (pos + decoded.bodySize > end) throw badTar(`truncated body of ${decoded.header.name}`);
      const entry = decoded.header as ScannedTarEntry;
      entry.offset = pos;
      onEntry(entry);
      pos += decoded.bodySize + padding(decoded.bodySize);
    }
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw new StrataError("INVALID_ARGUMENT", `${file}: cannot read the layer: ${(e as Error).message}`, { cause: e });
  } finally {
    closeSync(fd);
  }
}
