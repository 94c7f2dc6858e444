import { createHash } from "node:crypto";
import type { Digest } from "@strata/core";
import { BLOCK, encodeHeader, paddingFor, type TarHeader } from "./tar-header.js";

export interface TarMember extends TarHeader {
  data?: Buffer;
}

/**
 * Build a tar archive in memory, entries in the order given (callers sort them), ending with
 * the two zero blocks. Same members → same bytes.
 */
export function buildTar(members: readonly TarMember[]): { bytes: Buffer; digest: Digest } {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = m.type === "file" ? (m.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(encodeHeader({ ...m, size: data.length }));
    if (data.length) parts.push(data, Buffer.alloc(paddingFor(data.length)));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  const bytes = Buffer.concat(parts);
  return { bytes, digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}` };
}
