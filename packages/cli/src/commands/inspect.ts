import { isNotFound } from "@strata/core";
import { openStoreOnly, type GlobalOptions } from "../engine.js";
import { imageSize } from "../image-size.js";
import { imageInspect } from "../inspect/image.js";
import { formatEach } from "../list-format.js";

/**
 * `strata inspect`: a JSON array in the shape of `docker image inspect`, or with `-f` a Go
 * template once per object. Like Docker, prints what it found and exits 1 if any was missing.
 */
export async function inspectCommand(refs: string[], opts: { format?: string }, globals: GlobalOptions): Promise<number> {
  const store = await openStoreOnly(globals);
  const [{ readImage }, { createSnapshotter }, { RegistryState }] = await Promise.all([import("@strata/store"), import("@strata/layers"), import("@strata/store/registry")]);
  const registry = new RegistryState(store.root);
  const entries = await store.images.listAll();
  const driver = (await createSnapshotter(store.root)).driver;
  const out: unknown[] = [];
  let status = 0;
  for (const ref of refs) {
    try {
      const image = await readImage(store, ref);
      out.push(imageInspect(image, entries, driver, await imageSize(store, image), registry.repoDigests(image.configDigest)));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      process.stderr.write(`Error: No such object: ${ref}\n`);
      status = 1;
    }
  }
  if (out.length > 0 || !opts.format) process.stdout.write(formatEach(opts.format, out));
  return status;
}
