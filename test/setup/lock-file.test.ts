import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

const REPO = path.resolve(import.meta.dirname, "../..");
const CHECK = path.join(REPO, "scripts/check-lock.sh");

/** The manifests npm ci reads (root and workspaces), copied to a scratch directory. */
async function copyManifests(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "strata-lock-"));
  await cp(path.join(REPO, "package.json"), path.join(dir, "package.json"));
  await cp(path.join(REPO, "package-lock.json"), path.join(dir, "package-lock.json"));
  for (const pkg of await readdir(path.join(REPO, "packages"))) {
    await cp(path.join(REPO, "packages", pkg, "package.json"), path.join(dir, "packages", pkg, "package.json"));
  }
  return dir;
}

describe("lock file check (.ci/run)", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("passes on the committed lock file", async () => {
    const dir = await copyManifests();
    dirs.push(dir);
    const res = await execa("bash", [CHECK, dir], { reject: false, all: true });
    expect(res.all).toContain("in sync");
    expect(res.exitCode).toBe(0);
  });

  it("fails when another platform's optional package is missing from the lock", async () => {
    const dir = await copyManifests();
    dirs.push(dir);
    const lockPath = path.join(dir, "package-lock.json");
    const lock = JSON.parse(await readFile(lockPath, "utf8"));
    const platformPackage = Object.keys(lock.packages).find((k) => /node_modules\/@turbo\/(darwin|windows)/.test(k));
    expect(platformPackage, "the lock lists turbo's binaries for every platform").toBeDefined();
    delete lock.packages[platformPackage!];
    await writeFile(lockPath, JSON.stringify(lock, null, 2));
    const res = await execa("bash", [CHECK, dir], { reject: false, all: true });
    expect(res.exitCode).toBe(1);
    expect(res.all).toContain("out of sync");
  });

  it("fails when package.json gained a dependency the lock does not have", async () => {
    const dir = await copyManifests();
    dirs.push(dir);
    const pkgPath = path.join(dir, "package.json");
    const pkg = JSON.parse(await readFile(pkgPath, "utf8"));
    pkg.devDependencies["left-pad"] = "^1.3.0";
    await writeFile(pkgPath, JSON.stringify(pkg, null, 2));
    const res = await execa("bash", [CHECK, dir], { reject: false, all: true });
    expect(res.exitCode).toBe(1);
  });
});
