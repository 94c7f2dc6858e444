import { StrataError } from "@strata/core";
import { withLease } from "./gc.js";
import { scanArchive } from "./archive-scan.js";
import type { LoadedImage } from "./archive-import.js";
import { loadDockerArchive } from "./load-docker.js";
import { loadLegacyArchive } from "./load-legacy.js";
import { loadOciLayout } from "./load-oci.js";
import type { Store } from "./store.js";

export type { LoadedImage } from "./archive-import.js";

/**
 * Load a docker-archive (`docker save`, old and Docker 25+ layouts), a legacy pre-1.10 archive or
 * an OCI image-layout archive, optionally gzip-compressed. One streaming pass puts every layer in
 * the store; then the metadata is checked (diffIDs, digests) and the tags are recorded.
 */
export async function loadArchive(store: Store, file: string): Promise<{ images: LoadedImage[] }> {
  return withLease(store, async () => {
    const scan = await scanArchive(store, file);
    if (scan.files.has("manifest.json")) return { images: await loadDockerArchive(store, scan) };
    if (scan.files.has("index.json") && scan.files.has("oci-layout")) return { images: await loadOciLayout(store, scan) };
    if (scan.files.has("repositories")) return { images: await loadLegacyArchive(store, scan) };
    throw new StrataError(
      "INVALID_ARGUMENT",
      `archive ${file}: not a docker-archive, OCI image layout or legacy image archive (no manifest.json, index.json or repositories)`,
    );
  });
}
