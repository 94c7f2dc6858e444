import path from "node:path";
import { openStoreOnly, type GlobalOptions } from "../engine.js";

/** `strata save`: docker-archive that `docker load` accepts, or an OCI layout tar with compressed layers. */
export async function saveCommand(
  images: string[],
  opts: { output: string; format: "docker" | "oci"; compression: "gzip" | "zstd" | "none" },
  globals: GlobalOptions,
): Promise<void> {
  const store = await openStoreOnly(globals);
  const { saveArchive } = await import("@strata/store");
  await saveArchive(store, images, path.resolve(opts.output), { format: opts.format, compression: opts.compression });
}
