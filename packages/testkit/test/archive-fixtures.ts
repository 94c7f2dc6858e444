import { writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { canonicalJSON, sha256, type Digest } from "@strata/core";
import { buildTar, type TarMember } from "../src/tar/tar-writer.js";

const meta = { uid: 0, gid: 0, size: 0, mtime: 0 };
export const dir = (path: string, mode = 0o755, extra: Partial<TarMember> = {}): TarMember => ({ ...meta, path, type: "dir", mode, ...extra });
export const file = (path: string, text: string, mode = 0o644, extra: Partial<TarMember> = {}): TarMember => ({
  ...meta,
  path,
  type: "file",
  mode,
  data: Buffer.from(text),
  ...extra,
});
export const symlink = (path: string, target: string): TarMember => ({ ...meta, path, type: "symlink", mode: 0o777, linkName: target });
export const hardlink = (path: string, target: string): TarMember => ({ ...meta, path, type: "hardlink", mode: 0o644, linkName: target });

function config(diffIds: Digest[], env: string[] = []) {
  return { architecture: "amd64", os: "linux", config: { Env: env }, rootfs: { type: "layers", diff_ids: diffIds }, history: diffIds.map(() => ({ created_by: "x" })) };
}

/** A docker-archive with the given layers; `layout` picks `<id>/layer.tar` or `blobs/sha256/…`; gzip optional. */
export async function writeDockerArchive(
  out: string,
  layers: TarMember[][],
  opts: { layout?: "legacy" | "blobs"; gzip?: boolean; env?: string[] } = {},
): Promise<void> {
  const members: TarMember[] = [];
  const diffIds: Digest[] = [];
  const layerNames: string[] = [];
  for (const l of layers) {
    const tar = buildTar(l);
    diffIds.push(tar.digest);
    const body = opts.gzip ? gzipSync(tar.bytes) : tar.bytes;
    const name = opts.layout === "blobs" ? `blobs/sha256/${sha256(body).slice(7)}` : `${tar.digest.slice(7)}/layer.tar`;
    layerNames.push(name);
    members.push({ ...meta, path: name, type: "file", mode: 0o644, data: body });
  }
  const cfg = Buffer.from(canonicalJSON(config(diffIds, opts.env)));
  const cfgName = opts.layout === "blobs" ? `blobs/sha256/${sha256(cfg).slice(7)}` : `${sha256(cfg).slice(7)}.json`;
  members.push({ ...meta, path: cfgName, type: "file", mode: 0o644, data: cfg });
  const manifest = [{ Config: cfgName, RepoTags: ["t:latest"], Layers: layerNames }];
  members.push({ ...meta, path: "manifest.json", type: "file", mode: 0o644, data: Buffer.from(JSON.stringify(manifest)) });
  await writeFile(out, buildTar(members).bytes);
}

/** An OCI image layout tar (index.json → manifest → config + gzip layers). */
export async function writeOciArchive(out: string, layers: TarMember[][]): Promise<void> {
  const blobs: TarMember[] = [];
  const put = (data: Buffer) => {
    const d = sha256(data);
    blobs.push({ ...meta, path: `blobs/sha256/${d.slice(7)}`, type: "file", mode: 0o644, data });
    return { digest: d, size: data.length };
  };
  const diffIds: Digest[] = [];
  const layerDescs = layers.map((l) => {
    const tar = buildTar(l);
    diffIds.push(tar.digest);
    return { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...put(gzipSync(tar.bytes)) };
  });
  const cfg = { mediaType: "application/vnd.oci.image.config.v1+json", ...put(Buffer.from(canonicalJSON(config(diffIds)))) };
  const manifest = { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: cfg, layers: layerDescs };
  const mdesc = { mediaType: "application/vnd.oci.image.manifest.v1+json", ...put(Buffer.from(JSON.stringify(manifest))) };
  const index = { schemaVersion: 2, manifests: [mdesc] };
  await writeFile(
    out,
    buildTar([
      ...blobs,
      { ...meta, path: "index.json", type: "file", mode: 0o644, data: Buffer.from(JSON.stringify(index)) },
      { ...meta, path: "oci-layout", type: "file", mode: 0o644, data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    ]).bytes,
  );
}
