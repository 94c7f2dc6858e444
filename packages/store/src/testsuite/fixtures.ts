import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import * as tar from "tar";
import { sha256, type Digest, type ImageConfig } from "@strata/core";

export async function makeTmp(prefix = "strata-store-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface LayerFixture {
  file: string;
  bytes: Buffer;
  diffId: Digest;
}

/** A real layer tar made by node-tar from a directory of generated files. */
export async function makeLayer(work: string, name: string, files: Record<string, string | Buffer>): Promise<LayerFixture> {
  const root = path.join(work, `${name}-root`);
  for (const [p, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), data);
  }
  const file = path.join(work, `${name}.tar`);
  await tar.c({ cwd: root, file, mtime: new Date(0) }, Object.keys(files).sort());
  const bytes = await readFile(file);
  return { file, bytes, diffId: sha256(bytes) };
}

export function configFor(layers: LayerFixture[], cmd = ["sh"]): ImageConfig {
  return {
    architecture: "amd64",
    os: "linux",
    created: "2024-01-01T00:00:00Z",
    config: { Cmd: cmd, Env: ["PATH=/bin"] },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created: "2024-01-01T00:00:00Z", created_by: `step ${i}` })),
  };
}

/**
 * A docker-archive as `docker save` writes it: the pre-25 layout (`<id>/layer.tar`, `<hex>.json`),
 * with optional gzip layers and a duplicate layer stored as a symlink (as old Docker did).
 */
export async function makeDockerArchive(
  work: string,
  opts: { layers: LayerFixture[]; tags: string[]; gzipLayers?: boolean; config?: ImageConfig; gzipArchive?: boolean },
): Promise<{ file: string; configDigest: Digest }> {
  const dir = await mkdtemp(path.join(work, "docker-archive-"));
  const configBytes = Buffer.from(JSON.stringify(opts.config ?? configFor(opts.layers)));
  const configDigest = sha256(configBytes);
  await writeFile(path.join(dir, `${configDigest.slice(7)}.json`), configBytes);
  const layerPaths: string[] = [];
  const seen = new Map<Digest, string>();
  for (const [i, l] of opts.layers.entries()) {
    const id = sha256(`layer-${i}-${l.diffId}`).slice(7);
    await mkdir(path.join(dir, id));
    const prior = seen.get(l.diffId);
    if (prior) await symlink(`../${prior}`, path.join(dir, id, "layer.tar"));
    else await writeFile(path.join(dir, id, "layer.tar"), opts.gzipLayers ? gzipSync(l.bytes) : l.bytes);
    seen.set(l.diffId, `${id}/layer.tar`);
    layerPaths.push(`${id}/layer.tar`);
  }
  // manifest.json last: the loader must not rely on reading it first.
  await writeFile(path.join(dir, "repositories"), "{}");
  await writeFile(
    path.join(dir, "manifest.json"),
    JSON.stringify([{ Config: `${configDigest.slice(7)}.json`, RepoTags: opts.tags, Layers: layerPaths }]),
  );
  const entries = [`${configDigest.slice(7)}.json`, ...new Set(layerPaths.map((p) => path.dirname(p))), "repositories", "manifest.json"];
  const file = path.join(work, `docker-archive-${path.basename(dir)}.tar${opts.gzipArchive ? ".gz" : ""}`);
  await tar.c({ cwd: dir, file, gzip: opts.gzipArchive ?? false }, entries);
  return { file, configDigest };
}

/** A pre-1.10 archive: `repositories` plus one folder per v1 image (json, VERSION, layer.tar). */
export async function makeLegacyArchive(
  work: string,
  chain: { layer?: LayerFixture; cmd: string[]; throwaway?: boolean; config?: Record<string, unknown> }[],
  tag: [repo: string, tag: string],
): Promise<{ file: string; ids: string[] }> {
  const dir = await mkdtemp(path.join(work, "legacy-"));
  const ids: string[] = [];
  for (const [i, step] of chain.entries()) {
    const id = sha256(`v1-${i}-${step.cmd.join(" ")}`).slice(7);
    const json: Record<string, unknown> = {
      id,
      created: `2015-0${i + 1}-01T00:00:00Z`,
      container_config: { Cmd: step.cmd },
      config: step.config ?? { Cmd: ["sh"], Env: ["PATH=/bin"] },
      docker_version: "1.9.1",
      architecture: "amd64",
      os: "linux",
      Size: step.layer?.bytes.length ?? 0,
    };
    if (ids.length > 0) json.parent = ids.at(-1);
    if (step.throwaway) json.throwaway = true;
    await mkdir(path.join(dir, id));
    await writeFile(path.join(dir, id, "json"), JSON.stringify(json));
    await writeFile(path.join(dir, id, "VERSION"), "1.0");
    await writeFile(path.join(dir, id, "layer.tar"), step.layer?.bytes ?? Buffer.alloc(0));
    ids.push(id);
  }
  await writeFile(path.join(dir, "repositories"), JSON.stringify({ [tag[0]]: { [tag[1]]: ids.at(-1) } }));
  const file = path.join(work, `legacy-${path.basename(dir)}.tar`);
  await tar.c({ cwd: dir, file }, [...ids, "repositories"]);
  return { file, ids };
}

/** Entries of a tar file: path → bytes (small archives only, for assertions). */
export async function readTar(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  await tar.t({
    file,
    onReadEntry: (e) => {
      const chunks: Buffer[] = [];
      e.on("data", (c: Buffer) => chunks.push(c));
      e.on("end", () => out.set(e.path, Buffer.concat(chunks)));
    },
  });
  return out;
}
