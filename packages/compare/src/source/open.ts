import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { StrataError } from "@strata/core";
import type { Store } from "@strata/store";
import { dockerArchiveImage, ociLayoutImage } from "./archive-images.js";
import { LayerReader, type ImageSource } from "./image-source.js";
import { ArchiveFiles, DirectoryFiles } from "./layout-files.js";
import { storeImage } from "./store-image.js";

/** Where an image is, as the user wrote it (skopeo's transport names). */
export type ImageSpec =
  | { transport: "store"; ref: string }
  | { transport: "docker-archive" | "oci-archive"; file: string; ref?: string }
  | { transport: "oci"; dir: string; ref?: string }
  | { transport: "archive"; file: string };

const OURS = ["docker-archive", "oci-archive", "oci"] as const;
const OTHER_TRANSPORTS = new Set(["docker", "docker-daemon", "containers-storage", "dir", "ostree", "sif", "tarball"]);

/**
 * `docker-archive:FILE[:NAME|:@N]`, `oci-archive:FILE[:NAME]`, `oci:DIR[:NAME]`, a path to an
 * archive or layout (containing a `/` or ending in `.tar`, and existing), or else an image in
 * the store (a tag, an ID or a prefix of one). Transports strata cannot read are an error.
 */
export function parseImageSpec(arg: string): ImageSpec {
  if (arg === "") throw new StrataError("INVALID_ARGUMENT", "an image name or path is required");
  const m = /^([a-z][a-z0-9-]*):(.*)$/s.exec(arg);
  if (m) {
    const [, scheme, rest] = m as unknown as [string, string, string];
    if ((OURS as readonly string[]).includes(scheme)) {
      const [where, ref] = splitRef(rest);
      if (!where) throw new StrataError("INVALID_ARGUMENT", `${arg}: no path after "${scheme}:"`);
      return scheme === "oci" ? { transport: "oci", dir: where, ref } : { transport: scheme as "docker-archive" | "oci-archive", file: where, ref };
    }
    if (rest.startsWith("//") || OTHER_TRANSPORTS.has(scheme)) {
      throw new StrataError("INVALID_ARGUMENT", `${arg}: transport "${scheme}" is not supported (use docker-archive:FILE, oci-archive:FILE, oci:DIR, or an image in the store)`);
    }
  }
  if ((arg.includes("/") || arg.endsWith(".tar")) && existsSync(arg)) {
    return statSync(arg).isDirectory() ? { transport: "oci", dir: arg } : { transport: "archive", file: arg };
  }
  return { transport: "store", ref: arg };
}

/** The path part ends at the first `:` where the path so far exists (paths may hold colons). */
function splitRef(rest: string): [string, string | undefined] {
  if (existsSync(rest)) return [rest, undefined];
  for (let i = rest.indexOf(":"); i >= 0; i = rest.indexOf(":", i + 1)) {
    if (existsSync(rest.slice(0, i))) return [rest.slice(0, i), rest.slice(i + 1) || undefined];
  }
  const colon = rest.indexOf(":");
  return colon < 0 ? [rest, undefined] : [rest.slice(0, colon), rest.slice(colon + 1) || undefined];
}

export interface OpenOptions {
  /** Needed for images in the store. */
  store?: Store;
  /** Shared by the images of one run, so a layer two of them have is read once. */
  reader?: LayerReader;
  /** Where the store keeps layer DiffSizes. */
  sizeCacheDir?: string;
}

/** Opens the image `arg` names; reads its metadata (and checks its digests), not yet its layers. */
export async function openImage(arg: string, opts: OpenOptions = {}): Promise<ImageSource> {
  const spec = parseImageSpec(arg);
  const reader = opts.reader ?? new LayerReader();
  switch (spec.transport) {
    case "store": {
      if (!opts.store) throw new StrataError("INTERNAL", "no store to read images from");
      return storeImage(opts.store, spec.ref, reader, opts.sizeCacheDir ?? path.join(opts.store.root, "layer-sizes"));
    }
    case "docker-archive":
      return dockerArchiveImage(new ArchiveFiles(spec.file), spec.ref, arg, reader);
    case "oci-archive":
      return ociLayoutImage(new ArchiveFiles(spec.file), spec.ref, arg, "oci-archive", reader);
    case "oci": {
      if (!existsSync(spec.dir)) throw new StrataError("NOT_FOUND", `${spec.dir}: no such directory`);
      if (!statSync(spec.dir).isDirectory()) throw new StrataError("INVALID_ARGUMENT", `${spec.dir}: not a directory (for an archive use oci-archive:FILE)`);
      return ociLayoutImage(new DirectoryFiles(spec.dir), spec.ref, arg, "oci", reader);
    }
    case "archive": {
      const files = new ArchiveFiles(spec.file);
      if (files.has("manifest.json")) return dockerArchiveImage(files, undefined, arg, reader);
      if (files.has("index.json")) return ociLayoutImage(files, undefined, arg, "oci-archive", reader);
      throw new StrataError("INVALID_ARGUMENT", `${files.what}: neither a docker-archive (manifest.json) nor an OCI layout (index.json)`);
    }
  }
}
