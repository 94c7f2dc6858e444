import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type Options, type ResultPromise } from "execa";
import { mountPointsUnder } from "@strata/layers";

export const REPO = path.resolve(import.meta.dirname, "../../..");
/** The command users run: the launcher over the bundle (built by the root vitest globalSetup). */
export const CLI = path.join(REPO, "packages/cli/bin/strata");
export const BUSYBOX = path.join(REPO, "examples/.base/busybox.tar");

/** Runs the built CLI against a store root; never throws on a non-zero exit. */
export function strata(root: string, args: string[], opts: Options = {}): ResultPromise<Options & { reject: false }> {
  return execa(CLI, ["--root", root, ...args], { reject: false, all: true, ...opts }) as never;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `strata-${prefix}-`));
}

/** A fresh store root with busybox:latest loaded. */
export async function rootWithBusybox(driver?: "overlay" | "native"): Promise<string> {
  const root = await tempDir("root");
  const res = await strata(root, [...(driver ? ["--storage-driver", driver] : []), "load", "-i", BUSYBOX]);
  if (res.exitCode !== 0) throw new Error(`load failed: ${res.all}`);
  return root;
}

/** Writes a context directory from a map of relative path → content. */
export async function makeContext(files: Record<string, string>): Promise<string> {
  const dir = await tempDir("ctx");
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

/** Mount points under `root` that are still mounted. */
export const mountsUnder = (root: string): Promise<string[]> => mountPointsUnder(root);

async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/**
 * Checks the store's invariants: every blob's bytes hash to its name, and every tag points
 * to a manifest whose config and layers are all present. Returns the problems found.
 */
export async function storeProblems(root: string): Promise<string[]> {
  const problems: string[] = [];
  const blobs = path.join(root, "blobs/sha256");
  const names = new Set(await readdir(blobs).catch(() => [] as string[]));
  for (const name of names) {
    if (!/^[a-f0-9]{64}$/.test(name)) problems.push(`stray file in blobs: ${name}`);
    else if ((await sha256File(path.join(blobs, name))) !== name) problems.push(`blob ${name} does not match its digest`);
  }
  const index = JSON.parse(await readFile(path.join(root, "index.json"), "utf8"));
  for (const m of index.manifests ?? []) {
    const hex = (d: string) => d.replace(/^sha256:/, "");
    if (!names.has(hex(m.digest))) {
      problems.push(`tag ${m.annotations?.["org.opencontainers.image.ref.name"]} points to a missing manifest`);
      continue;
    }
    const manifest = JSON.parse(await readFile(path.join(blobs, hex(m.digest)), "utf8"));
    for (const d of [manifest.config, ...manifest.layers]) {
      if (!names.has(hex(d.digest))) problems.push(`manifest ${m.digest} refers to missing blob ${d.digest}`);
    }
  }
  return problems;
}

export async function cleanup(...dirs: string[]): Promise<void> {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}
