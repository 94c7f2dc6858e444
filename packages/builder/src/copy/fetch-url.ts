import { createWriteStream } from "node:fs";
import { mkdtemp, rm, utimes } from "node:fs/promises";
import path from "node:path";
import type { IncomingMessage } from "node:http";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createHash } from "node:crypto";
import type { Digest } from "@strata/core";
import { StrataError } from "@strata/core";
import { httpGet } from "./http-get.js";

export interface FetchedFile {
  /** The downloaded file (mode 0600), in a fresh directory under destDir. */
  path: string;
  /** The name Docker gives it: the last segment of the URL path, "__unnamed__" when there is none. */
  filename: string;
  /** From Last-Modified, when the server sent one (also set as the file's mtime). */
  mtime?: Date;
  /** sha256 of the bytes, computed while downloading (the cache key uses it). */
  digest: Digest;
}

/** Docker's rule for the file name of `ADD <url>`: path.Base of the URL path, never the Content-Disposition. */
export function filenameFromUrl(url: string): string {
  const u = new URL(url);
  let p = u.pathname;
  try {
    p = decodeURIComponent(p);
  } catch {
    // keep the encoded form
  }
  p = p.replace(/\/+$/, "");
  const base = p.slice(p.lastIndexOf("/") + 1);
  return base === "" || base === "." || base === ".." ? "__unnamed__" : base;
}

/**
 * Download `url` for ADD, streaming to disk. `checksum` ("sha256:<hex>") is verified over the
 * bytes; a mismatch removes the file and fails. Only http(s) is accepted.
 */
export async function fetchUrl(url: string, opts: { checksum?: string; destDir: string; signal?: AbortSignal }): Promise<FetchedFile> {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new StrataError("INVALID_ARGUMENT", `ADD: unsupported URL scheme ${u.protocol} in ${url}`);
  const expected = opts.checksum === undefined ? undefined : parseChecksum(opts.checksum);
  let res: IncomingMessage;
  try {
    res = await httpGet(url, opts.signal);
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status !== undefined) throw new StrataError("UNAVAILABLE", `ADD failed: invalid response status ${status} for ${url}`);
    throw new StrataError("UNAVAILABLE", `ADD failed: cannot download ${url}: ${(e as Error).message}`, { cause: e });
  }
  const filename = filenameFromUrl(url);
  const dir = await mkdtemp(path.join(opts.destDir, ".strata-add-"));
  const file = path.join(dir, filename);
  const hash = createHash("sha256");
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, tap, createWriteStream(file, { mode: 0o600 }));
    const actual = hash.digest("hex");
    if (expected !== undefined && actual !== expected) {
      throw new StrataError("DIGEST_MISMATCH", `ADD failed: digest mismatch for ${url}: expected sha256:${expected}, got sha256:${actual}`, {
        hint: "the file at the URL changed, or --checksum is wrong",
      });
    }
    const lastModified = res.headers["last-modified"];
    const mtime = lastModified ? new Date(lastModified) : undefined;
    if (mtime && !Number.isNaN(mtime.getTime())) {
      await utimes(file, mtime, mtime);
      return { path: file, filename, mtime, digest: `sha256:${actual}` };
    }
    return { path: file, filename, digest: `sha256:${actual}` };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    if (e instanceof StrataError) throw e;
    throw new StrataError("UNAVAILABLE", `ADD failed: downloading ${url}: ${(e as Error).message}`, { cause: e });
  }
}

function parseChecksum(spec: string): string {
  const m = /^sha256:([a-fA-F0-9]{64})$/.exec(spec.trim());
  if (!m) {
    throw new StrataError("INVALID_ARGUMENT", `invalid --checksum ${JSON.stringify(spec)}: expected sha256:<64 hex digits>`, {
      hint: "only sha256 is supported",
    });
  }
  return m[1]!.toLowerCase();
}
