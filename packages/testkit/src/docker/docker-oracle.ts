import { mkdir } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { buildBusyboxArchive, type BusyboxImage } from "../busybox-archive.js";
import { withLock } from "../lock.js";
import { DOCKER, ensureDockerd } from "./dockerd.js";

export const TESTKIT_TMP = process.env.STRATA_TESTKIT_TMP ?? "/tmp/strata-testkit";
export const BUSYBOX_TAG = "busybox:latest";

export interface DockerBuildOptions {
  /** Path of the Dockerfile (absolute, or relative to the context). */
  dockerfile?: string;
  tag: string;
  buildArgs?: Record<string, string>;
  target?: string;
}

async function docker(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await execa(DOCKER, args, { env: { ...env }, reject: false, all: true, timeout: 600_000 });
  if (r.exitCode !== 0) {
    throw new Error(`docker ${args.join(" ")} failed (exit ${r.exitCode}):\n${String(r.all ?? "").split("\n").slice(-30).join("\n")}`);
  }
  return r.stdout;
}

export async function dockerImageId(tag: string): Promise<string | undefined> {
  const r = await execa(DOCKER, ["image", "inspect", "--format", "{{.Id}}", tag], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** The busybox base archive under the testkit temp dir (rebuilt each call: it's cheap and deterministic). */
export async function busyboxArchivePath(): Promise<{ file: string } & BusyboxImage> {
  await mkdir(TESTKIT_TMP, { recursive: true });
  const file = path.join(TESTKIT_TMP, "busybox.tar");
  const img = await withLock("busybox-archive", () => buildBusyboxArchive(file, { tag: BUSYBOX_TAG }));
  return { file, ...img };
}

/** `docker load` the busybox base unless Docker already has exactly that image as busybox:latest. */
export async function ensureBusyboxInDocker(): Promise<BusyboxImage & { file: string }> {
  await ensureDockerd();
  const img = await busyboxArchivePath();
  await withLock("docker-busybox-load", async () => {
    if ((await dockerImageId(BUSYBOX_TAG)) === img.imageId) return;
    await docker(["load", "-i", img.file]);
    const id = await dockerImageId(BUSYBOX_TAG);
    if (id !== img.imageId) throw new Error(`docker load gave ${BUSYBOX_TAG} = ${id}, expected ${img.imageId}`);
  });
  return img;
}

/** `DOCKER_BUILDKIT=1 docker build --network=none` (no cache of the context check: BuildKit's own cache applies). */
export async function dockerBuild(context: string, opts: DockerBuildOptions & { noCache?: boolean }): Promise<string> {
  await ensureBusyboxInDocker();
  const args = ["build", "--network=none", "-q", "-t", opts.tag];
  if (opts.dockerfile) args.push("-f", path.resolve(context, opts.dockerfile));
  for (const [k, v] of Object.entries(opts.buildArgs ?? {})) args.push("--build-arg", `${k}=${v}`);
  if (opts.target) args.push("--target", opts.target);
  if (opts.noCache) args.push("--no-cache");
  args.push(context);
  await docker(args, { DOCKER_BUILDKIT: "1" });
  const id = await dockerImageId(opts.tag);
  if (!id) throw new Error(`docker build succeeded but ${opts.tag} is missing`);
  return id;
}

/** `docker save -o out tag` (docker-archive format). */
export async function dockerSave(tag: string, out: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await docker(["save", "-o", out, tag]);
}

/** `docker load -i file`; returns docker's output ("Loaded image: …"). */
export async function dockerLoad(file: string): Promise<string> {
  await ensureDockerd();
  return docker(["load", "-i", file]);
}

/** `docker run --rm --network=none image args…`; returns stdout. */
export async function dockerRun(image: string, args: string[] = []): Promise<string> {
  await ensureDockerd();
  return docker(["run", "--rm", "--network=none", image, ...args]);
}

/** `docker rmi -f` ignoring absence. */
export async function dockerRemoveImage(tag: string): Promise<void> {
  await execa(DOCKER, ["rmi", "-f", tag], { reject: false });
}

/** The base with an empty config (no Env, Cmd or WorkingDir) that the compat suite also builds on. */
export const BARE_BASE_TAG = "strata-compat-bare:latest";

/**
 * The busybox files as `docker import` makes an image of them: same single layer, config `{}`.
 * Imported into Docker once (an existing image of that tag with that layer is reused) and saved
 * to a docker-archive so strata loads the very same image (same ID) as its base.
 */
export async function ensureBareBaseInDocker(): Promise<{ file: string; imageId: string }> {
  await ensureDockerd();
  const busybox = await busyboxArchivePath();
  const file = path.join(TESTKIT_TMP, "bare-base.tar");
  return withLock("docker-bare-base", async () => {
    const layer = await docker(["image", "inspect", "--format", "{{index .RootFS.Layers 0}} {{len .Config.Env}}", BARE_BASE_TAG]).catch(() => "");
    if (layer.trim() !== `${busybox.diffId} 0`) {
      const rootfs = path.join(TESTKIT_TMP, "bare-rootfs.tar");
      await execa("tar", ["-xOf", busybox.file, `${busybox.diffId.slice("sha256:".length)}/layer.tar`], { stdout: { file: rootfs } });
      await docker(["import", rootfs, BARE_BASE_TAG]);
    }
    await docker(["save", "-o", file, BARE_BASE_TAG]);
    const imageId = (await dockerImageId(BARE_BASE_TAG))!;
    return { file, imageId };
  });
}
