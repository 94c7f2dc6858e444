import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Hasher, StrataError, hexOf, randomHex, type Digest } from "@strata/core";
import type { LayerContentStore, LayerContentWriter } from "../content.js";

/** A minimal on-disk content store for tests (blobs/sha256/<hex>, ingest with digest check). */
export function dirContentStore(root: string): LayerContentStore & { blobPath(d: Digest): string } {
  const blobPath = (d: Digest) => path.join(root, "blobs", "sha256", hexOf(d));
  return {
    blobPath,
    async writer(): Promise<LayerContentWriter> {
      await mkdir(path.join(root, "ingest"), { recursive: true });
      await mkdir(path.join(root, "blobs", "sha256"), { recursive: true });
      const tmp = path.join(root, "ingest", randomHex(8));
      const fh = await open(tmp, "w");
      const hasher = new Hasher();
      return {
        async write(chunk) {
          hasher.update(chunk);
          await fh.write(chunk);
        },
        async commit(expected) {
          await fh.close();
          const digest = hasher.digest();
          if (expected?.digest && expected.digest !== digest) throw new StrataError("DIGEST_MISMATCH", `${digest} != ${expected.digest}`);
          await rename(tmp, blobPath(digest));
          return { digest, size: (await stat(blobPath(digest))).size };
        },
        async abort() {
          await fh.close().catch(() => {});
          await rm(tmp, { force: true });
        },
      };
    },
    read: (d) => createReadStream(blobPath(d)),
  };
}
