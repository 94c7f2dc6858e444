import { execFileSync } from "node:child_process";
import { readFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { canonicalJSON, sha256, writeFileAtomic, type Digest, type ImageConfig } from "@strata/core";
import { buildTar, type TarMember } from "./tar/tar-writer.js";

/** Debian's busybox-static binary: one statically linked file, so the image needs no libc. */
export const BUSYBOX_BINARY = "/bin/busybox";
/** Every mtime in the image and its `created` date: 2023-11-14T22:13:20Z. */
export const BUSYBOX_EPOCH = 1_700_000_000;
export const BUSYBOX_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/sh",
  "daemon:x:1:1:daemon:/usr/sbin:/bin/false",
  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false",
  "app:x:1000:1000:app:/home/app:/bin/sh",
  "",
].join("\n");

const GROUP = ["root:x:0:", "daemon:x:1:", "nogroup:x:65534:", "app:x:1000:", "staff:x:50:app", ""].join("\n");

export interface BusyboxImage {
  /** "sha256:…" of the config JSON: what `docker load` prints as the image ID. */
  imageId: Digest;
  diffId: Digest;
}

function applets(binary: string): string[] {
  const out = execFileSync(binary, ["--list"], { encoding: "utf8" });
  return [...new Set(out.split("\n").map((s) => s.trim()))].filter((a) => a && a !== "busybox" && !a.includes("/")).sort();
}

/** The layer's members, sorted by path, with numeric owners and fixed mtimes. */
export async function busyboxLayerMembers(binary = BUSYBOX_BINARY): Promise<TarMember[]> {
  const base = { uid: 0, gid: 0, size: 0, mtime: BUSYBOX_EPOCH };
  const dir = (p: string, mode = 0o755, uid = 0, gid = 0): TarMember => ({ ...base, path: `${p}/`, type: "dir", mode, uid, gid });
  const file = (p: string, data: Buffer, mode = 0o644): TarMember => ({ ...base, path: p, type: "file", mode, data, size: data.length });
  const members: TarMember[] = [
    dir("bin"),
    file("bin/busybox", await readFile(binary), 0o755),
    ...applets(binary).map((a): TarMember => ({ ...base, path: `bin/${a}`, type: "symlink", mode: 0o777, linkName: "busybox" })),
    dir("etc"),
    file("etc/group", Buffer.from(GROUP)),
    file("etc/passwd", Buffer.from(PASSWD)),
    dir("home"),
    dir("home/app", 0o755, 1000, 1000),
    dir("root", 0o700),
    dir("tmp", 0o1777),
    dir("usr"),
    dir("usr/bin"),
    dir("var"),
  ];
  const key = (m: TarMember) => m.path.replace(/\/$/, "");
  return members.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function busyboxConfig(diffId: Digest): ImageConfig {
  const created = new Date(BUSYBOX_EPOCH * 1000).toISOString().replace(".000Z", "Z");
  return {
    architecture: process.arch === "arm64" ? "arm64" : "amd64",
    os: "linux",
    created,
    config: { Env: [BUSYBOX_PATH_ENV], Cmd: ["sh"] },
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created, created_by: "strata testkit: busybox-static /bin/busybox with applet symlinks" }],
  };
}

/**
 * Write a deterministic docker-archive (`docker save` format) of a busybox image:
 * manifest.json, repositories, `<imageId>.json`, `<diffId>/{VERSION,json,layer.tar}`.
 */
export async function buildBusyboxArchive(
  out: string,
  opts: { tag?: string; /** The runtime config instead of busybox's (Env PATH, Cmd sh). */ containerConfig?: ImageConfig["config"] } = {},
): Promise<BusyboxImage> {
  const tag = opts.tag ?? "busybox:latest";
  const layer = buildTar(await busyboxLayerMembers());
  const diffId = layer.digest;
  const config = busyboxConfig(diffId);
  if (opts.containerConfig) config.config = opts.containerConfig;
  const configBytes = Buffer.from(canonicalJSON(config));
  const imageId = sha256(configBytes);
  const layerDir = diffId.slice("sha256:".length);
  const configName = `${imageId.slice("sha256:".length)}.json`;
  const colon = tag.lastIndexOf(":");
  const [repo, tagName] = colon > tag.lastIndexOf("/") ? [tag.slice(0, colon), tag.slice(colon + 1)] : [tag, "latest"];
  const manifest = [{ Config: configName, RepoTags: [`${repo}:${tagName}`], Layers: [`${layerDir}/layer.tar`] }];
  const legacyJson = { id: layerDir, created: busyboxConfig(diffId).created, os: "linux" };
  const meta = { uid: 0, gid: 0, mtime: BUSYBOX_EPOCH, size: 0 };
  const file = (p: string, data: Buffer): TarMember => ({ ...meta, path: p, type: "file", mode: 0o644, data });
  const archive = buildTar([
    file(configName, configBytes),
    { ...meta, path: `${layerDir}/`, type: "dir", mode: 0o755 },
    file(`${layerDir}/VERSION`, Buffer.from("1.0")),
    file(`${layerDir}/json`, Buffer.from(canonicalJSON(legacyJson))),
    file(`${layerDir}/layer.tar`, layer.bytes),
    file("manifest.json", Buffer.from(JSON.stringify(manifest))),
    file("repositories", Buffer.from(JSON.stringify({ [repo]: { [tagName]: layerDir } }))),
  ]);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFileAtomic(out, archive.bytes);
  return { imageId, diffId };
}
