import { open } from "node:fs/promises";
import { BLOCK, decodeRawHeader, isZeroBlock, paddingFor, parsePax, typeFromFlag, type TarType } from "./tar-header.js";

/** Where one member of an uncompressed tar file lives, for random access without extracting. */
export interface IndexedMember {
  name: string;
  type: TarType;
  offset: number;
  size: number;
  linkName?: string;
}

const normal = (p: string) => p.replace(/^(\.\/)+/, "").replace(/\/+$/, "");

/** Read only the headers of an uncompressed tar file: name → member. */
export async function indexTar(file: string): Promise<Map<string, IndexedMember>> {
  const fh = await open(file, "r");
  const out = new Map<string, IndexedMember>();
  try {
    const { size: fileSize } = await fh.stat();
    const block = Buffer.alloc(BLOCK);
    let pos = 0;
    let pax = new Map<string, string>();
    let longName: string | undefined;
    let longLink: string | undefined;
    const readAt = async (len: number, at: number) => {
      const b = Buffer.alloc(len);
      await fh.read(b, 0, len, at);
      return b;
    };
    while (pos + BLOCK <= fileSize) {
      await fh.read(block, 0, BLOCK, pos);
      if (pos === 0 && block[0] === 0x1f && block[1] === 0x8b) {
        throw new Error(`${file}: compressed outer archives are not supported; gunzip it first`);
      }
      if (isZeroBlock(block)) break;
      const raw = decodeRawHeader(block);
      const size = pax.has("size") ? Number(pax.get("size")) : raw.size;
      const bodyAt = pos + BLOCK;
      pos = bodyAt + size + paddingFor(size);
      if (raw.typeFlag === "x") {
        pax = parsePax(await readAt(size, bodyAt));
        continue;
      }
      if (raw.typeFlag === "g") continue;
      if (raw.typeFlag === "L" || raw.typeFlag === "K") {
        const s = (await readAt(size, bodyAt)).toString("utf8").replace(/\0.*$/s, "");
        if (raw.typeFlag === "L") longName = s;
        else longLink = s;
        continue;
      }
      const type = typeFromFlag(raw.typeFlag) ?? "file";
      const name = normal(pax.get("path") ?? longName ?? raw.name);
      const linkName = pax.get("linkpath") ?? longLink ?? (raw.linkName || undefined);
      if (type !== "file") pos = bodyAt; // header-only types
      out.set(name, { name, type, offset: bodyAt, size: type === "file" ? size : 0, linkName });
      pax = new Map();
      longName = longLink = undefined;
    }
  } finally {
    await fh.close();
  }
  return out;
}

/** Follow symlinks/hardlinks between members (docker save links duplicate layers). */
export function resolveMember(index: Map<string, IndexedMember>, name: string): IndexedMember | undefined {
  let cur = index.get(normal(name));
  for (let hops = 0; cur && cur.type !== "file" && hops < 16; hops++) {
    if (!cur.linkName) return undefined;
    const target =
      cur.type === "symlink" && !cur.linkName.startsWith("/")
        ? joinRelative(cur.name, cur.linkName)
        : normal(cur.linkName.replace(/^\/+/, ""));
    cur = index.get(target);
  }
  return cur;
}

function joinRelative(from: string, link: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const p of link.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== "." && p !== "") parts.push(p);
  }
  return parts.join("/");
}
