import { createHash } from "node:crypto";
import type { Digest } from "@strata/core";

/** Bump when what goes into a context checksum changes; old checksums then never match. */
export const CONTEXT_CHECKSUM_VERSION = 1;

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
  /** Sorted by path. */
  entries: ContextEntry[];
  /** The ownership the layer will have: --chown, or 0:0. */
  owner: Owner;
}

/**
 * Digest of the entries, one JSON array per line after a versioned header: JSON framing keeps
 * the fields of neighbouring entries from running together (kaniko's key collisions).
 */
export function digestEntries(entries: readonly ContextEntry[], owner: Owner): Digest {
  const h = createHash("sha256");
  let text = `strata.context-checksum.v${CONTEXT_CHECKSUM_VERSION} owner=${owner.uid}:${owner.gid}\n`;
  for (const e of entries) {
    const tail = e.kind === "file" ? `,${e.size},"${e.digest}"` : e.kind === "symlink" ? `,${JSON.stringify(e.target)}` : "";
    text += `[${JSON.stringify(e.path)},"${e.kind}",${e.mode}${tail}]\n`;
    if (text.length > 65536) {
      h.update(text, "utf8");
      text = "";
    }
  }
  h.update(text, "utf8");
  return `sha256:${h.digest("hex")}`;
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

export const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, "0");

export function isContextChecksum(v: unknown): v is ContextChecksum {
  return typeof v === "object" && v !== null && "digest" in v && Array.isArray((v as { entries?: unknown }).entries);
}
