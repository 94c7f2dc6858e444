import { createHash } from "node:crypto";
import type { Digest } from "@strata/core";

/** Bump when what goes into a context checksum changes; old checksums then never match. */
export const CONTEXT_CHECKSUM_VERSION = 2;

/** One selected path as the layer will hold it (ownership and --chmod applied; never an mtime). */
export interface ContextEntry {
  /** Real path relative to the context root, "/"-separated; "." is the root itself. */
  path: string;
  kind: "file" | "dir" | "symlink";
  /** Permission bits (0o7777) the copy will have: --chmod when given, else the source's. */
  mode: number;
  size?: number;
  /** Content digest of a file. */
  digest?: Digest;
  /** Link text of a symlink. */
  target?: string;
}

export interface Owner {
  uid: number;
  gid: number;
}

/** What `ContextHasher.checksum` returns; also accepted as a step input, so a miss can name files. */
export interface ContextChecksum {
  digest: Digest;
  /** Sorted by path. May be built on first read: a cache hit never needs it. */
  readonly entries: ContextEntry[];
  /** The ownership the layer will have: --chown, or 0:0. */
  owner: Owner;
}

/** One entry's line: kind letter and mode, path, then size (file), target (symlink) or nothing. */
export function entryLine(kind: ContextEntry["kind"], mode: number, path: string, tail: string | number): string {
  return `${KIND_LETTER[kind]}${octal(mode)}\0${path}\0${tail}\n`;
}

/**
 * The digest of a listing: a versioned header with the entry count, one line per entry (see
 * `entryLine`), then the files' 32-byte content digests in listing order. The first five bytes
 * of a line have a fixed form and no path or link target can hold a NUL, so fields never run
 * together (kaniko's key collisions). Built from plain strings and one byte block, because the
 * JSON form before it was most of a warm 20,000-file check.
 */
export function digestListing(lines: Iterable<string>, count: number, owner: Owner, fileDigests: Uint8Array): Digest {
  const h = createHash("sha256");
  let text = `strata.context-checksum.v${CONTEXT_CHECKSUM_VERSION} owner=${owner.uid}:${owner.gid} entries=${count}\n`;
  for (const line of lines) {
    text += line;
    if (text.length > 65536) {
      h.update(text, "utf8");
      text = "";
    }
  }
  h.update(text, "utf8");
  h.update(fileDigests);
  return `sha256:${h.digest("hex")}`;
}

/** The same digest from entries (a checksum's own listing, or one built by hand). */
export function digestEntries(entries: readonly ContextEntry[], owner: Owner): Digest {
  const files = entries.filter((e) => e.kind === "file");
  const block = Buffer.alloc(files.length * 32);
  files.forEach((e, i) => block.write((e.digest ?? "").slice(7), i * 32, 32, "hex"));
  const lines = entries.map((e) => entryLine(e.kind, e.mode, e.path, e.kind === "file" ? (e.size ?? 0) : e.kind === "symlink" ? (e.target ?? "") : ""));
  return digestListing(lines, entries.length, owner, block);
}

/** Compact form kept in a key's pre-image: `[path, "f0644", digest prefix]`, `[path, "l0777", target]`, `[path, "d0755"]`. */
export type CompactEntry = [string, string] | [string, string, string];

export interface CompactChecksum {
  owner: string;
  entries: CompactEntry[];
}

/** Enough hex to tell contents apart when explaining a miss (the key itself uses the full digest). */
const DIGEST_PREFIX = 20;

export function compactChecksum(sum: ContextChecksum): CompactChecksum {
  return {
    owner: `${sum.owner.uid}:${sum.owner.gid}`,
    entries: sum.entries.map((e): CompactEntry => {
      const kindMode = `${KIND_LETTER[e.kind]}${octal(e.mode)}`;
      if (e.kind === "file") return [e.path, kindMode, (e.digest ?? "").slice(7, 7 + DIGEST_PREFIX)];
      if (e.kind === "symlink") return [e.path, kindMode, e.target ?? ""];
      return [e.path, kindMode];
    }),
  };
}

const KIND_LETTER = { file: "f", dir: "d", symlink: "l" } as const;

const octals: string[] = [];
/** Four octal digits; remembered, as a listing has few distinct modes and many entries. */
export const octal = (mode: number): string => (octals[mode & 0o7777] ??= (mode & 0o7777).toString(8).padStart(4, "0"));

export function isContextChecksum(v: unknown): v is ContextChecksum {
  // `in`, not a read: reading `entries` would build a lazy listing.
  return typeof v === "object" && v !== null && "digest" in v && "entries" in v && "owner" in v;
}
