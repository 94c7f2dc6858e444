import type { Readable } from "node:stream";
import { BLOCK, decodeRawHeader, isZeroBlock, paddingFor, parsePax, typeFromFlag, type TarHeader } from "./tar-header.js";

/** Pulls exact byte counts out of a stream of chunks. */
class ByteSource {
  #it: AsyncIterator<Buffer>;
  #buf: Buffer = Buffer.alloc(0);
  #done = false;
  constructor(src: AsyncIterable<Buffer>) {
    this.#it = src[Symbol.asyncIterator]();
  }
  async #fill(n: number): Promise<boolean> {
    while (this.#buf.length < n && !this.#done) {
      const r = await this.#it.next();
      if (r.done) this.#done = true;
      else this.#buf = this.#buf.length === 0 ? r.value : Buffer.concat([this.#buf, r.value]);
    }
    return this.#buf.length >= n;
  }
  /** Exactly n bytes, or undefined at a clean end of stream. */
  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.#fill(n))) {
      if (this.#buf.length === 0) return undefined;
      throw new Error(`tar: unexpected end of archive (wanted ${n} bytes, have ${this.#buf.length})`);
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }
  /** Up to n bytes as they arrive, for streaming bodies. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#buf.length === 0 && !(await this.#fill(1))) throw new Error("tar: unexpected end of archive in body");
      const take = Math.min(left, this.#buf.length);
      const out = this.#buf.subarray(0, take);
      this.#buf = this.#buf.subarray(take);
      left -= take;
      yield out;
    }
  }
}

export type EntryHandler = (header: TarHeader, body: AsyncIterable<Buffer>) => Promise<void> | void;

/**
 * Stream a tar archive, calling `onEntry` for each member (PAX and GNU long-name records are
 * folded into the header). A body the handler does not consume is skipped.
 */
export async function readTar(src: Readable | AsyncIterable<Buffer>, onEntry: EntryHandler): Promise<void> {
  const bytes = new ByteSource(src as AsyncIterable<Buffer>);
  let pax = new Map<string, string>();
  const globalPax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await bytes.read(BLOCK);
    if (!block || isZeroBlock(block)) return;
    const raw = decodeRawHeader(block);
    const size = pax.get("size") !== undefined ? Number(pax.get("size")) : raw.size;
    const readBody = async () => {
      const body = (await bytes.read(size + paddingFor(size))) ?? Buffer.alloc(0);
      return body.subarray(0, size);
    };
    if (raw.typeFlag === "x" || raw.typeFlag === "g") {
      const rec = parsePax(await readBody());
      for (const [k, v] of rec) (raw.typeFlag === "x" ? pax : globalPax).set(k, v);
      continue;
    }
    if (raw.typeFlag === "L" || raw.typeFlag === "K") {
      const s = (await readBody()).toString("utf8").replace(/\0.*$/s, "");
      if (raw.typeFlag === "L") longName = s;
      else longLink = s;
      continue;
    }
    const ext = new Map([...globalPax, ...pax]);
    const type = typeFromFlag(raw.typeFlag);
    const xattrs: Record<string, string> = {};
    for (const [k, v] of ext) if (k.startsWith("SCHILY.xattr.")) xattrs[k.slice("SCHILY.xattr.".length)] = v;
    const header: TarHeader = {
      path: ext.get("path") ?? longName ?? raw.name,
      type: type ?? "file",
      mode: ext.has("mode") ? Number(ext.get("mode")) : raw.mode,
      uid: ext.has("uid") ? Number(ext.get("uid")) : raw.uid,
      gid: ext.has("gid") ? Number(ext.get("gid")) : raw.gid,
      size,
      mtime: ext.has("mtime") ? Math.floor(Number(ext.get("mtime"))) : raw.mtime,
      linkName: ext.get("linkpath") ?? longLink ?? (raw.linkName || undefined),
      devMajor: raw.devMajor,
      devMinor: raw.devMinor,
      xattrs: Object.keys(xattrs).length ? xattrs : undefined,
    };
    pax = new Map();
    longName = longLink = undefined;
    if (type === undefined) throw new Error(`tar: unsupported entry type ${JSON.stringify(raw.typeFlag)} for ${header.path}`);
    // Only regular files carry a body (as in Go's archive/tar: other types are header-only).
    const bodySize = type === "file" ? size : 0;
    if (type !== "file") header.size = 0;
    const body = bytes.chunks(bodySize);
    let consumed = false;
    const wrapped = (async function* () {
      consumed = true;
      yield* body;
    })();
    await onEntry(header, wrapped);
    if (!consumed) for await (const _ of body) void _;
    else for await (const _ of wrapped) void _;
    await bytes.read(paddingFor(bodySize));
  }
}
