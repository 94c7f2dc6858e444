import { END_OF_ARCHIVE, encodeHeader, padding, TarType, type TarHeader } from "../tar-header.js";

export type TestEntry = Partial<TarHeader> & { name: string; body?: string };

/** A tar built entry by entry with strata's own encoder (for hostile or unusual layers). */
export function buildTar(entries: TestEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? "");
    parts.push(
      encodeHeader({ type: TarType.file, mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000, ...e, size: body.length }),
      body,
      Buffer.alloc(padding(body.length)),
    );
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}
