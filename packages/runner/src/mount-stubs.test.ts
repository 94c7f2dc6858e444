import { lstat, mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findMountStubs, removeMountStubs } from "./mount-stubs.js";
import { tempDir } from "./testsuite/busybox-rootfs.js";

/** Stands in for the runtime: creates what runc would for these destinations. */
async function makeStub(root: string, dest: string, kind: "file" | "dir") {
  const p = path.join(root, dest);
  await mkdir(kind === "dir" ? p : path.dirname(p), { recursive: true });
  if (kind === "file") await writeFile(p, "");
}

describe("findMountStubs / removeMountStubs", () => {
  let t: { dir: string; dispose(): Promise<void> };
  beforeEach(async () => {
    t = await tempDir("strata-stubs-");
    await mkdir(path.join(t.dir, "etc"));
    await writeFile(path.join(t.dir, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\n");
  });
  afterEach(() => t.dispose());

  it("removes stub files, keeps stub directories (as BuildKit does) and restores untouched parents' mtimes", async () => {
    const etcBefore = await lstat(path.join(t.dir, "etc"), { bigint: true });
    await new Promise((r) => setTimeout(r, 20));
    const found = await findMountStubs(t.dir, ["/proc", "/etc/hosts", "/mnt/a/b", "/run/s/file"]);
    await makeStub(t.dir, "/proc", "dir");
    await makeStub(t.dir, "/etc/hosts", "file");
    await makeStub(t.dir, "/mnt/a/b", "dir");
    await makeStub(t.dir, "/run/s/file", "file");
    await removeMountStubs(found);
    expect((await readdir(t.dir)).sort()).toEqual(["etc", "mnt", "proc", "run"]);
    expect(await readdir(path.join(t.dir, "proc"))).toEqual([]);
    expect(await readdir(path.join(t.dir, "mnt", "a"))).toEqual(["b"]);
    expect(await readdir(path.join(t.dir, "mnt", "a", "b"))).toEqual([]);
    // A file bind's missing parents are directories too: they stay, without the stub file.
    expect(await readdir(path.join(t.dir, "run"))).toEqual(["s"]);
    expect(await readdir(path.join(t.dir, "run", "s"))).toEqual([]);
    expect(await readdir(path.join(t.dir, "etc"))).toEqual(["passwd"]);
    expect((await lstat(path.join(t.dir, "etc"), { bigint: true })).mtimeNs).toBe(etcBefore.mtimeNs);
  });

  it("keeps what existed before, stubs that gained content, and real changes' mtimes", async () => {
    const found = await findMountStubs(t.dir, ["/etc/passwd", "/data", "/etc/hosts"]);
    await makeStub(t.dir, "/data", "dir");
    await writeFile(path.join(t.dir, "data", "kept"), "x");
    await writeFile(path.join(t.dir, "etc", "hosts"), "127.0.0.1 localhost\n");
    await writeFile(path.join(t.dir, "new-file"), "x");
    const rootAfterRun = await lstat(t.dir, { bigint: true });
    await removeMountStubs(found);
    expect((await readdir(t.dir)).sort()).toEqual(["data", "etc", "new-file"]);
    expect((await readdir(path.join(t.dir, "etc"))).sort()).toEqual(["hosts", "passwd"]);
    expect((await lstat(t.dir, { bigint: true })).mtimeNs).toBe(rootAfterRun.mtimeNs);
  });

  it("never touches a path outside the root when a parent became a symlink during the run", async () => {
    const outside = path.join(t.dir, "..", `${path.basename(t.dir)}-outside`);
    await mkdir(outside);
    try {
      const found = await findMountStubs(t.dir, ["/data/x"]);
      await writeFile(path.join(outside, "x"), "");
      const { symlink } = await import("node:fs/promises");
      await symlink(outside, path.join(t.dir, "data"));
      await removeMountStubs(found);
      expect(await readdir(outside)).toEqual(["x"]);
    } finally {
      const { rm } = await import("node:fs/promises");
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("follows symlinks inside the root, as the runtime does", async () => {
    await mkdir(path.join(t.dir, "real"));
    const { symlink } = await import("node:fs/promises");
    await symlink("/real", path.join(t.dir, "link"));
    const found = await findMountStubs(t.dir, ["/link/inner", "/link/sub/dir"]);
    expect(found.stubs.sort()).toEqual(["inner", "sub", "sub/dir"].map((p) => path.join(t.dir, "real", p)));
    await makeStub(t.dir, "/real/inner", "file");
    await makeStub(t.dir, "/real/sub/dir", "dir");
    await removeMountStubs(found);
    expect((await readdir(path.join(t.dir, "real"))).sort()).toEqual(["sub"]);
    expect(await readdir(path.join(t.dir, "real", "sub"))).toEqual(["dir"]);
    expect((await lstat(path.join(t.dir, "link"))).isSymbolicLink()).toBe(true);
  });
});
