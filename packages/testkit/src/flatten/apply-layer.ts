import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { cleanPath } from "@strata/core";
import { readTar } from "../tar/tar-reader.js";
import type { TarHeader } from "../tar/tar-header.js";
import type { FileEntry } from "./file-entry.js";

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

interface LayerMember {
  path: string;
  header: TarHeader;
  sha256?: string;
}

/** Read one layer's members, hashing file bodies as they stream past (nothing is kept). */
async function readMembers(layer: Readable): Promise<LayerMember[]> {
  const out: LayerMember[] = [];
  await readTar(layer, async (header, body) => {
    const p = cleanPath(header.path);
    if (p === "/") return;
    let digest: string | undefined;
    if (header.type === "file") {
      const h = createHash("sha256");
      for await (const chunk of body) h.update(chunk);
      digest = `sha256:${h.digest("hex")}`;
    }
    out.push({ path: p, header, sha256: digest });
  });
  return out;
}

function deleteTree(files: Map<string, FileEntry>, p: string, keepSelf = false): void {
  if (!keepSelf) files.delete(p);
  const prefix = p + "/";
  for (const k of files.keys()) if (k.startsWith(prefix)) files.delete(k);
}

function toEntry(m: LayerMember, files: Map<string, FileEntry>): FileEntry {
  const h = m.header;
  const e: FileEntry = { type: h.type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, size: h.type === "file" ? h.size : 0 };
  if (m.sha256) e.sha256 = m.sha256;
  if (h.type === "symlink") e.linkTarget = h.linkName ?? "";
  if (h.type === "hardlink") {
    e.linkTarget = cleanPath(h.linkName ?? "");
    const target = files.get(e.linkTarget);
    if (target) {
      e.size = target.size;
      if (target.sha256) e.sha256 = target.sha256;
    }
  }
  if (h.type === "char" || h.type === "block") e.device = `${h.devMajor ?? 0},${h.devMinor ?? 0}`;
  if (h.xattrs) e.xattrs = { ...h.xattrs };
  return e;
}

/**
 * Apply one layer to the flattened view, OCI semantics: `.wh..wh..opq` hides the lower
 * contents of its directory, `.wh.NAME` deletes NAME and its subtree, whiteouts act on lower
 * layers only; a non-directory replacing a directory drops the directory's subtree.
 */
export async function applyLayer(files: Map<string, FileEntry>, layer: Readable): Promise<void> {
  const members = await readMembers(layer);
  const additions: LayerMember[] = [];
  for (const m of members) {
    const slash = m.path.lastIndexOf("/");
    const dir = m.path.slice(0, slash) || "/";
    const base = m.path.slice(slash + 1);
    if (base === OPAQUE) deleteTree(files, dir === "/" ? "" : dir, true);
    else if (base.startsWith(WHITEOUT)) deleteTree(files, cleanPath(`${dir}/${base.slice(WHITEOUT.length)}`));
    else additions.push(m);
  }
  for (const m of additions) {
    const existing = files.get(m.path);
    if (existing?.type === "dir" && m.header.type !== "dir") deleteTree(files, m.path);
    files.set(m.path, toEntry(m, files));
  }
}
