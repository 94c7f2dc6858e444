import path from "node:path";
import { StrataError, hexOf, isDigest, type Digest } from "@strata/core";

/** Paths inside a store root (an OCI image layout plus strata's working directories). */
export const layoutPaths = (root: string) => ({
  ociLayout: path.join(root, "oci-layout"),
  index: path.join(root, "index.json"),
  blobs: path.join(root, "blobs", "sha256"),
  ingest: path.join(root, "ingest"),
  leases: path.join(root, "leases"),
  lock: path.join(root, "lock"),
});

export const OCI_LAYOUT_JSON = JSON.stringify({ imageLayoutVersion: "1.0.0" });

export function blobPathIn(root: string, digest: Digest): string {
  if (!isDigest(digest)) throw new StrataError("INVALID_ARGUMENT", `invalid digest: ${String(digest)}`);
  return path.join(root, "blobs", "sha256", hexOf(digest));
}

/** Where a blob lives inside an OCI layout or Docker 25 archive. */
export const blobArchivePath = (digest: Digest): string => `blobs/sha256/${hexOf(digest)}`;
