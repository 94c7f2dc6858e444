import { chmod, chown, lchown, link, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyTree } from "./copy-tree.js";

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "strata-copy-tree-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const getfattr = async (p: string, name: string) =>
  Buffer.from((await execa("getfattr", ["--absolute-names", "--only-values", "-h", "-n", name, p], { encoding: "buffer" })).stdout);

describe("copyTree", () => {
  it("preserves types, modes, owners, times, links and xattrs", async () => {
    const src = path.join(base, "src");
    await mkdir(path.join(src, "dir"), { recursive: true });
    const p = (rel: string) => path.join(src, rel);

    await writeFile(p("suid"), "s");
    await chown(p("suid"), 1001, 2002);
    await chmod(p("suid"), 0o6755);
    await mkdir(p("sticky"));
    await chmod(p("sticky"), 0o1777);
    await writeFile(p("dir/one"), "linked");
    await link(p("dir/one"), p("two"));
    await symlink("../etc/passwd", p("dir/sym"));
    await lchown(p("dir/sym"), 7, 8);
    await execa("mknod", [p("null"), "c", "1", "3"]);
    await execa("mknod", [p("whiteout"), "c", "0", "0"]);
    await execa("mknod", [p("fifo"), "p"]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(p("sock"), resolve));
    await writeFile(p("cap"), "binary");
    await execa("setcap", ["cap_net_bind_service=+ep", p("cap")]);
    await execa("setfattr", ["-n", "trusted.overlay.opaque", "-v", "y", p("dir")]);
    await execa("setfattr", ["-n", "user.note", "-v", "hello", p("dir/one")]);
    await utimes(p("suid"), new Date(1_000_000_123), new Date(1_000_000_123));
    await execa("touch", ["-h", "-d", "2001-02-03 04:05:06.123456789", p("dir/sym")]);
    await execa("touch", ["-d", "2001-02-03 04:05:06.123456789", p("dir")]);

    const dst = path.join(base, "dst");
    try {
      await copyTree(src, dst);
    } finally {
      server.close(); // (this unlinks the source socket)
    }
    const q = (rel: string) => path.join(dst, rel);

    const suid = await lstat(q("suid"), { bigint: true });
    expect([suid.uid, suid.gid, suid.mode & 0o7777n, suid.mtimeMs]).toEqual([1001n, 2002n, 0o6755n, 1_000_000_123n]);
    expect((await lstat(q("sticky"))).mode & 0o7777).toBe(0o1777);
    expect((await lstat(q("dir/one"))).ino).toBe((await lstat(q("two"))).ino);
    expect((await lstat(q("dir/one"))).ino).not.toBe((await lstat(p("dir/one"))).ino);
    expect(await readlink(q("dir/sym"))).toBe("../etc/passwd");
    const sym = await lstat(q("dir/sym"), { bigint: true });
    expect([sym.uid, sym.gid, sym.mtimeNs % 1_000_000_000n]).toEqual([7n, 8n, 123456789n]);
    expect((await lstat(q("dir"), { bigint: true })).mtimeNs % 1_000_000_000n).toBe(123456789n);
    const nul = await lstat(q("null"));
    expect([nul.isCharacterDevice(), nul.rdev]).toEqual([true, (await lstat(p("null"))).rdev]);
    expect((await lstat(q("whiteout"))).rdev).toBe(0);
    expect((await lstat(q("fifo"))).isFIFO()).toBe(true);
    expect((await lstat(q("sock"))).isSocket()).toBe(true);
    expect((await execa("getcap", [q("cap")])).stdout).toContain("cap_net_bind_service=ep");
    expect((await getfattr(q("dir"), "trusted.overlay.opaque")).toString()).toBe("y");
    expect((await getfattr(q("dir/one"), "user.note")).toString()).toBe("hello");
    expect(await readFile(q("two"), "utf8")).toBe("linked");
  });

  it("fails with a coded error when the source is missing", async () => {
    await expect(copyTree(path.join(base, "absent"), path.join(base, "out"))).rejects.toMatchObject({ code: "INTERNAL" });
  });
});
