import { familiarName, isNotFound } from "@strata/core";
import { openStoreOnly, type GlobalOptions } from "../engine.js";

/** `strata inspect`: a JSON array in the shape of `docker image inspect`. */
export async function inspectCommand(refs: string[], globals: GlobalOptions): Promise<number> {
  const store = await openStoreOnly(globals);
  const { readImage } = await import("@strata/store");
  const tags = await store.images.list();
  const out: unknown[] = [];
  let status = 0;
  for (const ref of refs) {
    try {
      const image = await readImage(store, ref);
      const c = image.config;
      out.push({
        Id: image.configDigest,
        RepoTags: tags.filter((t) => t.target.digest === image.manifestDesc.digest).map((t) => familiarName(t.name)),
        RepoDigests: [],
        Created: c.created,
        Author: c.author ?? "",
        Config: c.config,
        Architecture: c.architecture,
        Os: c.os,
        Size: image.manifest.layers.reduce((n, l) => n + l.size, 0),
        RootFS: { Type: "layers", Layers: c.rootfs.diff_ids },
        Metadata: { ManifestDigest: image.manifestDesc.digest },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      process.stderr.write(`Error: No such image: ${ref}\n`);
      status = 1;
    }
  }
  process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  return status;
}
