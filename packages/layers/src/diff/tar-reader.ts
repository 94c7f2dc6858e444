import { ByteReader } from "./byte-reader.js";
import { BLOCK, padding } from "./tar-header.js";
import { applyExtension, badTar, decodeHeaderBlock, hasExtensions, noExtensions, type ReadHeader } from "./tar-fields.js";

/** A header as read: every field present (`name` as stored, not yet normalised). */
export interface TarEntry extends ReadHeader {
  /** The body; must be consumed (or left: the reader skips what is not read) before the next entry. */
  body: AsyncIterable<Buffer>;
}

/**
 * Reads a tar stream (USTAR, PAX with `SCHILY.xattr.*`, GNU long names), one entry at a time,
 * never holding more than one header and one chunk. Stops at the end-of-archive marker.
 */
export async function* readTar(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source);
  let ext = noExtensions();
  for (;;) {
    const block = await r.read(BLOCK);
    if (block.length === 0) return; // tolerate a missing end marker
    if (block.length < BLOCK) throw badTar("truncated header");
    const decoded = decodeHeaderBlock(block, ext);
    if (decoded.kind === "end") return;
    if (decoded.kind === "extended") {
      const data = await r.read(decoded.size);
      if (data.length < decoded.size) throw badTar("truncated extended header");
      await r.read(padding(decoded.size));
      applyExtension(ext, decoded.type, data);
      continue;
    }
    const { header, bodySize } = decoded;
    if (hasExtensions(ext)) ext = noExtensions();
    let consumed = 0;
    const body = r.chunks(bodySize);
    const entry: TarEntry = {
      ...header,
      body: (async function* () {
        for await (const c of body) {
          consumed += c.length;
          yield c;
        }
      })(),
    };
    yield entry;
    for await (const c of body) consumed += c.length;
    if (consumed < bodySize) throw badTar(`truncated body of ${entry.name}`);
    await r.read(padding(bodySize));
  }
}
