import { createReadStream } from "node:fs";
import { Parser, type ReadEntry } from "tar";
import { StrataError, errnoCode } from "@strata/core";
import { fsError } from "./fs-errors.js";

/**
 * Iterate the entries of a tar file (gzip/zstd auto-detected by node-tar) one at a time, in
 * streaming mode. The consumer must read or `resume()` each entry before asking for the next;
 * node-tar does not read further while the current entry is not consumed, so memory stays bounded.
 */
export async function* tarEntries(file: string): AsyncGenerator<ReadEntry> {
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = new Parser({ strict: true });
  const queue: ReadEntry[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  parser.on("entry", (e: ReadEntry) => {
    queue.push(e);
    notify();
  });
  let current: ReadEntry | undefined;
  const fail = (e: unknown) => {
    failure ??= e;
    // A consumer blocked reading the current entry must see the failure too.
    if (current && !current.emittedEnd) {
      current.on("error", () => {}); // minipass replays the error to the iterator's listener
      current.emit("error", tarError(file, e));
    }
    notify();
  };
  parser.on("error", fail);
  parser.on("end", () => {
    ended = true;
    notify();
  });
  source.on("error", fail);
  source.pipe(parser);
  try {
    for (;;) {
      if (failure !== undefined) throw tarError(file, failure);
      const next = queue.shift();
      if (next) {
        current = next;
        yield next;
        if (!next.emittedEnd) next.resume();
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    source.unpipe(parser);
    source.destroy();
  }
}

function tarError(file: string, e: unknown): StrataError {
  if (e instanceof StrataError) return e;
  if (errnoCode(e) !== undefined && !String(errnoCode(e)).startsWith("TAR_")) return fsError(e, `archive ${file}`) as StrataError;
  const msg = e instanceof Error ? e.message : String(e);
  return new StrataError("INVALID_ARGUMENT", `archive ${file}: not a readable tar archive: ${msg}`, { cause: e });
}

/** Read a whole (small) entry into memory, refusing entries over `limit` bytes. */
export async function readEntryBytes(entry: AsyncIterable<Uint8Array>, what: string, limit = 64 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of entry) {
    size += c.length;
    if (size > limit) throw new StrataError("INVALID_ARGUMENT", `${what}: larger than ${limit} bytes`);
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks);
}

/** Normalised entry path: no leading "./" or "/", no trailing "/". */
export const entryPath = (p: string): string => p.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
