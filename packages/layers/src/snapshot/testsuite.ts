import { chmod, chown, link, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upperDirOf, type Mount } from "@strata/core";
import type { Snapshotter } from "../types.js";
import { mountAll, unmount } from "../mount/mount.js";
import { withMounted } from "../mount/with-mounted.js";
import { unmountLeaks } from "../mount/mountinfo.js";

export interface SnapshotterSuiteOptions {
  /** Depth of the long-chain case; 0 skips it (copy-based drivers make it slow and prove nothing). */
  deepChain?: number;
}

/**
 * The behaviour every Snapshotter driver promises. Each case opens the driver on a fresh
 * root under /tmp; at the end no mount may refer to any of those roots.
 */
export function runSnapshotterSuite(
  name: string,
  factory: (root: string) => Promise<Snapshotter>,
  opts: SnapshotterSuiteOptions = {},
): void {
  describe(`snapshotter suite: ${name}`, () => {
    let base: string;
    let n = 0;
    const newRoot = () => mkdtemp(path.join(base, `r${n++}-`));
    const open = async () => {
      const root = await newRoot();
      return { root, sn: await factory(root) };
    };

    beforeAll(async () => {
      base = await mkdtemp(path.join(tmpdir(), `strata-snap-${name}-`));
    });
    afterAll(async () => {
      const leaked = await unmountLeaks(base);
      await rm(base, { recursive: true, force: true });
      expect(leaked).toEqual([]);
    });

    it("prepares, commits and views a chain", async () => {
      const { sn } = await open();
      await write(await sn.prepare("a-key"), { "etc/hostname": "a\n", "bin/tool": "v1" });
      await sn.commit("a", "a-key");
      await write(await sn.prepare("b-key", "a"), { "etc/hostname": "b\n", "var/new": "n" });
      await sn.commit("b", "b-key");

      expect(await sn.stat("a")).toMatchObject({ kind: "committed", name: "a" });
      expect((await sn.stat("b")).parent).toBe("a");
      await expect(sn.stat("a-key")).rejects.toMatchObject({ code: "NOT_FOUND" });

      expect(await read(await sn.view("vb", "b"), ["etc/hostname", "bin/tool", "var/new"])).toEqual(["b\n", "v1", "n"]);
      expect(await read(await sn.view("va", "a"), ["etc/hostname", "var/new"])).toEqual(["a\n", undefined]);
      expect((await sn.stat("vb")).kind).toBe("view");
      expect(await sn.mounts("vb")).toEqual(await sn.view("vb2", "b"));
    });

    it("keeps the parent unchanged by writes and deletions in a child", async () => {
      const { sn } = await open();
      await write(await sn.prepare("p-key"), { keep: "k", gone: "g", "dir/inner": "i", edit: "old" });
      await sn.commit("p", "p-key");

      const child = await sn.prepare("c-key", "p");
      await withMounted(child, async (dir) => {
        expect(await readFile(path.join(dir, "gone"), "utf8")).toBe("g");
        await rm(path.join(dir, "gone"));
        await rm(path.join(dir, "dir"), { recursive: true });
        await writeFile(path.join(dir, "edit"), "new");
        await writeFile(path.join(dir, "added"), "a");
      });
      await sn.commit("c", "c-key");

      const files = ["keep", "gone", "dir/inner", "edit", "added"];
      expect(await read(await sn.view("vc", "c"), files)).toEqual(["k", undefined, undefined, "new", "a"]);
      expect(await read(await sn.view("vp", "p"), files)).toEqual(["k", "g", "i", "old", undefined]);
    });

    it("carries modes, owners, symlinks and hard links into children", async () => {
      const { sn } = await open();
      const m = await sn.prepare("p-key");
      await withMounted(m, async (dir) => {
        await writeFile(path.join(dir, "suid"), "x", { mode: 0o4755 });
        await chownMode(path.join(dir, "suid"), 1234, 5678, 0o4755);
        await writeFile(path.join(dir, "one"), "linked");
        await link(path.join(dir, "one"), path.join(dir, "two"));
        await symlink("/etc/target", path.join(dir, "sym"));
        await mkdir(path.join(dir, "tmp"));
        await chownMode(path.join(dir, "tmp"), 0, 0, 0o1777);
      });
      await sn.commit("p", "p-key");
      await withMounted(await sn.prepare("c-key", "p"), async (dir) => {
        const suid = await lstat(path.join(dir, "suid"));
        expect([suid.uid, suid.gid, suid.mode & 0o7777]).toEqual([1234, 5678, 0o4755]);
        expect((await lstat(path.join(dir, "one"))).ino).toBe((await lstat(path.join(dir, "two"))).ino);
        expect((await lstat(path.join(dir, "sym"))).isSymbolicLink()).toBe(true);
        expect((await stat(path.join(dir, "tmp"))).mode & 0o7777).toBe(0o1777);
      });
    });

    it("mounts views read-only", async () => {
      const { root, sn } = await open();
      await write(await sn.prepare("a-key"), { f: "a" });
      await sn.commit("a", "a-key");
      await write(await sn.prepare("b-key", "a"), { g: "b" });
      await sn.commit("b", "b-key");
      for (const [key, parent] of [["v0", undefined], ["v1", "a"], ["v2", "b"]] as const) {
        const target = await mkdtemp(path.join(root, "target-"));
        await mountAll(await sn.view(key, parent), target);
        try {
          await expect(writeFile(path.join(target, "new"), "x")).rejects.toMatchObject({ code: "EROFS" });
        } finally {
          await unmount(target);
        }
      }
    });

    it("refuses to remove a snapshot with children", async () => {
      const { sn } = await open();
      await sn.prepare("p-key");
      await sn.commit("p", "p-key");
      await sn.prepare("c", "p");
      await expect(sn.remove("p")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      await sn.remove("c");
      await sn.remove("p");
      await expect(sn.stat("p")).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("shares one namespace between keys and names", async () => {
      const { sn } = await open();
      await sn.prepare("x");
      await expect(sn.prepare("x")).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      await expect(sn.view("x")).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      await sn.prepare("y");
      await expect(sn.commit("x", "y")).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      await sn.commit("c", "x");
      await expect(sn.prepare("c")).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      await expect(sn.commit("c", "y")).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      expect((await sn.stat("y")).kind).toBe("active"); // a failed commit leaves the key as it was
    });

    it("reports missing snapshots as NOT_FOUND and wrong kinds as FAILED_PRECONDITION", async () => {
      const { sn } = await open();
      for (const call of [
        () => sn.stat("nope"),
        () => sn.mounts("nope"),
        () => sn.remove("nope"),
        () => sn.usage("nope"),
        () => sn.commit("name", "nope"),
        () => sn.prepare("k", "nope"),
        () => sn.view("v", "nope"),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: "NOT_FOUND" });
      }
      await sn.prepare("active");
      await sn.view("view");
      await expect(sn.prepare("k", "active")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      await expect(sn.commit("n", "view")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      await sn.commit("done", "active");
      await expect(sn.mounts("done")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      await expect(sn.commit("n2", "done")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    });

    it("counts only a snapshot's own bytes and inodes in usage", async () => {
      const { sn } = await open();
      await write(await sn.prepare("p-key"), { big: "x".repeat(256 * 1024) });
      await sn.commit("p", "p-key");
      expect((await sn.usage("p")).size).toBeGreaterThanOrEqual(256 * 1024);

      const child = await sn.prepare("c", "p");
      expect(await sn.usage("c")).toEqual({ size: 0, inodes: 0 });
      await write(child, { small: "y".repeat(4096) });
      const u = await sn.usage("c");
      expect(u.size).toBeGreaterThanOrEqual(4096);
      expect(u.size).toBeLessThan(256 * 1024);
      expect(u.inodes).toBeGreaterThanOrEqual(1);
      expect(u.inodes).toBeLessThanOrEqual(2); // the file, and the root only if the driver records it changed
    });

    it("keeps metadata across reopening, with labels", async () => {
      const { root, sn } = await open();
      await sn.prepare("k", undefined, { labels: { a: "1" } });
      await sn.commit("n", "k", { labels: { b: "2" } });
      await sn.view("v", "n");
      const again = await factory(root);
      expect(await again.stat("n")).toMatchObject({ kind: "committed", labels: { a: "1", b: "2" } });
      const seen: string[] = [];
      await again.walk((info) => void seen.push(`${info.name}:${info.kind}:${info.parent ?? ""}`));
      expect(seen).toEqual(["n:committed:", "v:view:n"]);
    });

    it("stays consistent under concurrent prepares from two instances on one root", async () => {
      const { root, sn: a } = await open();
      const b = await factory(root);
      await a.prepare("base-key");
      await a.commit("base", "base-key");
      const keys = Array.from({ length: 24 }, (_, i) => `k${i}`);
      const results = await Promise.allSettled([
        ...keys.map((k, i) => (i % 2 ? a : b).prepare(k, "base")),
        ...keys.slice(0, 4).map((k) => a.prepare(k, "base")), // duplicates: exactly one of each pair wins
      ]);
      const failed = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
      expect(failed.length).toBe(4);
      for (const f of failed) expect(f.reason).toMatchObject({ code: "ALREADY_EXISTS" });

      const fresh = await factory(root);
      const names: string[] = [];
      await fresh.walk((info) => void names.push(info.name));
      expect(names.sort()).toEqual(["base", ...keys].sort());
      const uppers = await Promise.all(keys.map(async (k) => upperDirOf(await fresh.mounts(k))));
      expect(new Set(uppers).size).toBe(keys.length);
    });

    it("cleanup removes orphan directories and leaves active snapshots", async () => {
      const { root, sn } = await open();
      const active = await sn.prepare("active");
      await write(active, { f: "1" });
      await sn.prepare("gone");
      await sn.remove("gone");
      const snapshots = path.join(root, "snapshots");
      await mkdir(path.join(snapshots, "9999", "fs"), { recursive: true });
      await mkdir(path.join(snapshots, "new-999999999-abc"));
      await sn.cleanup();
      const dirs = (await readdir(snapshots)).filter((d) => !d.startsWith("metadata.json"));
      expect(dirs).toHaveLength(1);
      expect(await read(await sn.mounts("active"), ["f"])).toEqual(["1"]);
    });

    if (opts.deepChain) {
      const depth = opts.deepChain;
      it(`mounts a ${depth}-deep chain`, async () => {
        const { sn } = await open();
        let parent: string | undefined;
        for (let i = 0; i < depth; i++) {
          const upper = upperDirOf(await sn.prepare(`k${i}`, parent))!;
          await writeFile(path.join(upper, `f${i}`), String(i));
          await sn.commit(`layer-${i}`, `k${i}`);
          parent = `layer-${i}`;
        }
        const top = await sn.prepare("top", parent);
        await withMounted(top, async (dir) => {
          expect((await readdir(dir)).length).toBe(depth);
          expect(await readFile(path.join(dir, "f0"), "utf8")).toBe("0");
        });
        expect(await read(await sn.view("deep-view", parent), [`f${depth - 1}`])).toEqual([String(depth - 1)]);
      });
    }
  });
}

async function write(mounts: Mount[], files: Record<string, string>): Promise<void> {
  await withMounted(mounts, async (dir) => {
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), content);
    }
  });
}

/** File contents through the mounts; `undefined` for a file that does not exist. */
function read(mounts: Mount[], files: string[]): Promise<(string | undefined)[]> {
  return withMounted(mounts, (dir) =>
    Promise.all(files.map((f) => readFile(path.join(dir, f), "utf8").catch(() => undefined))),
  );
}

async function chownMode(p: string, uid: number, gid: number, mode: number): Promise<void> {
  await chown(p, uid, gid);
  await chmod(p, mode); // after chown, which clears setuid
}
