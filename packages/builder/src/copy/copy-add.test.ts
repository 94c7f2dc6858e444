import { chmod, chown, mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { execa } from "execa";
import * as tar from "tar";
import { describe, expect, it } from "vitest";
import { detectCompression, sniffArchive } from "./archive.js";
import { listTree, read, setup, tempDir, writeTree } from "./testsuite/fixtures.js";

/** A tar of a small tree (files owned 1500:1600, one mode 0700), compressed with the given CLI. */
async function makeArchive(into: string, name: string, compress?: "gzip" | "bzip2" | "xz" | "zstd"): Promise<void> {
  const src = await tempDir("strata-tarsrc-");
  await writeTree(src, { "top/a.txt": "A", "top/bin/run": { mode: 0o700, content: "R" } });
  await chown(path.join(src, "top/a.txt"), 1500, 1600);
  const plain = path.join(into, `${name}.raw`);
  await tar.c({ cwd: src, file: plain, portable: false }, ["top"]);
  const out = path.join(into, name);
  if (compress) await execa(compress, ["-c", plain], { stdout: { file: out } });
  else await execa("mv", [plain, out]);
  await execa("rm", ["-f", plain]);
}

describe("ADD of local archives", () => {
  it.each([undefined, "gzip", "bzip2", "xz", "zstd"] as const)("extracts a %s tar by content, whatever its name", async (comp) => {
    const { context, rootfs, copy } = await setup({});
    await makeArchive(context, "archive.bin", comp);
    const { copied } = await copy(["archive.bin"], "/opt", { isAdd: true });
    expect(copied).toBeGreaterThanOrEqual(4);
    expect(await listTree(path.join(rootfs, "opt"))).toEqual(["top/", "top/a.txt", "top/bin/", "top/bin/run"]);
    const a = await stat(path.join(rootfs, "opt/top/a.txt"));
    expect([a.uid, a.gid]).toEqual([1500, 1600]); // archive ownership kept
    expect((await stat(path.join(rootfs, "opt/top/bin/run"))).mode & 0o777).toBe(0o700);
  });

  it("merges with the destination; --chown owns only the directories it creates, as Docker's", async () => {
    const { context, rootfs, copy } = await setup({});
    await makeArchive(context, "a.tgz", "gzip");
    await mkdir(path.join(rootfs, "opt/top"), { recursive: true });
    await writeFile(path.join(rootfs, "opt/top/a.txt"), "old");
    await writeFile(path.join(rootfs, "opt/top/keep"), "k");
    await copy(["a.tgz"], "/opt/", { isAdd: true, chown: "3:4" });
    expect(await read(path.join(rootfs, "opt/top/a.txt"))).toBe("A");
    expect(await read(path.join(rootfs, "opt/top/keep"))).toBe("k");
    const a = await stat(path.join(rootfs, "opt/top/a.txt"));
    expect([a.uid, a.gid]).toEqual([1500, 1600]); // Docker 20.10 ignores --chown for extracted entries
    await copy(["a.tgz"], "/new/dest/", { isAdd: true, chown: "3:4" });
    for (const dir of ["new", "new/dest"]) {
      const st = await stat(path.join(rootfs, dir));
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([3, 4, 0o755]);
    }
  });

  it("never lets the archive's root entry change the destination", async () => {
    const { context, rootfs, copy } = await setup({});
    const src = await tempDir("strata-tarsrc-");
    await writeTree(src, { "f.txt": "F" });
    await chmod(src, 0o700);
    await chown(src, 1000, 1001);
    await tar.c({ cwd: src, file: path.join(context, "root.tar"), portable: false }, ["."]);
    await copy(["root.tar"], "/fresh/", { isAdd: true });
    const fresh = await stat(path.join(rootfs, "fresh"));
    expect([fresh.uid, fresh.gid, fresh.mode & 0o7777]).toEqual([0, 0, 0o755]);
    await mkdir(path.join(rootfs, "kept"), { mode: 0o711 });
    await chown(path.join(rootfs, "kept"), 5, 6);
    await copy(["root.tar"], "/kept", { isAdd: true });
    const kept = await stat(path.join(rootfs, "kept"));
    expect([kept.uid, kept.gid, kept.mode & 0o7777]).toEqual([5, 6, 0o711]);
    expect(await read(path.join(rootfs, "kept/f.txt"))).toBe("F");
  });

  it("extracts every archive a wildcard matches", async () => {
    const { context, rootfs, copy } = await setup({});
    await makeArchive(context, "one.tgz", "gzip");
    await makeArchive(context, "two.tar.xz", "xz");
    await copy(["*.t*"], "/w/", { isAdd: true });
    expect(await listTree(path.join(rootfs, "w"))).toEqual(["top/", "top/a.txt", "top/bin/", "top/bin/run"]);
  });

  it("copies a non-archive (even a gzip of plain text) like COPY", async () => {
    const { context, rootfs, copy } = await setup({ "notes.txt": "plain" });
    await writeFile(path.join(context, "data.tar.gz"), gzipSync("not a tar"));
    await copy(["notes.txt", "data.tar.gz"], "/d/", { isAdd: true });
    expect(await listTree(path.join(rootfs, "d"))).toEqual(["data.tar.gz", "notes.txt"]);
  });

  it("does not extract from stage sources or with --unpack=false", async () => {
    const { context, rootfs, copy } = await setup({});
    await makeArchive(context, "a.tar");
    await copy(["/a.tar"], "/s/", { isAdd: true, sourceIsContext: false });
    await copy(["a.tar"], "/u/", { isAdd: true, unpack: false });
    expect(await listTree(path.join(rootfs, "s"))).toEqual(["a.tar"]);
    expect(await listTree(path.join(rootfs, "u"))).toEqual(["a.tar"]);
  });

  it("does not let archive entries escape the destination", async () => {
    const { context, rootfs, copy } = await setup({});
    const src = await tempDir();
    await writeTree(src, { "x.txt": "x" });
    await tar.c({ cwd: src, file: path.join(context, "evil.tar"), preservePaths: true }, ["x.txt"]);
    // Rewrite the entry name to climb out of the destination.
    const buf = await import("node:fs/promises").then((fs) => fs.readFile(path.join(context, "evil.tar")));
    const name = Buffer.alloc(100);
    name.write("../../../escape.txt");
    name.copy(buf, 0);
    buf.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += buf[i]!;
    buf.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
    await writeFile(path.join(context, "evil.tar"), buf);
    await copy(["evil.tar"], "/in/", { isAdd: true });
    for (const p of [path.join(rootfs, "..", "escape.txt"), path.join(path.dirname(rootfs), "..", "escape.txt"), "/escape.txt"]) {
      await expect(stat(p)).rejects.toThrow();
    }
  });
});

describe("sniffing", () => {
  it("recognises magic bytes", () => {
    expect(detectCompression(Uint8Array.from([0x1f, 0x8b, 8, 0]))).toBe("gzip");
    expect(detectCompression(Buffer.from("BZh91AY"))).toBe("bzip2");
    expect(detectCompression(Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]))).toBe("xz");
    expect(detectCompression(Buffer.from("hello"))).toBe("none");
  });
  it("says a short or empty file is no archive", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "e"), "");
    await writeFile(path.join(dir, "z"), Buffer.alloc(1024));
    expect(await sniffArchive(path.join(dir, "e"))).toBeUndefined();
    expect(await sniffArchive(path.join(dir, "z"))).toBeUndefined();
  });
});
