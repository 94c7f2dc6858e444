import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { familiarName } from "@strata/core";
import { openStoreOnly, type GlobalOptions } from "../engine.js";

/** `strata load`: docker-archive (current and pre-1.10 layouts) or OCI layout tar, from a file or stdin. */
export async function loadCommand(opts: { input?: string; quiet?: boolean }, globals: GlobalOptions): Promise<void> {
  const store = await openStoreOnly(globals);
  const { loadArchive } = await import("@strata/store");
  let file = opts.input;
  let tmp: string | undefined;
  if (!file) {
    tmp = await mkdtemp(path.join(store.root, "tmp-load-"));
    file = path.join(tmp, "stdin.tar");
    await pipeline(process.stdin, createWriteStream(file));
  }
  try {
    const { images } = await loadArchive(store, file);
    if (opts.quiet) return;
    for (const image of images) {
      process.stdout.write(image.name ? `Loaded image: ${familiarName(image.name)}\n` : `Loaded image ID: ${image.configDigest}\n`);
    }
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}
