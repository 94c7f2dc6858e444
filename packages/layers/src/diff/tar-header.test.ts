import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { writeFile, rm } from "node:fs/promises";
import path from "node:path";
import { encodeHeader, END_OF_ARCHIVE, TarType } from "./tar-header.js";
import { readTar } from "./tar-reader.js";
import { buildTar } from "./testsuite/tar-builder.js";
import { tarListing, tempDir } from "./testsuite/trees.js";

describe("encodeHeader", () => {
  it("writes plain USTAR when every field fits, with a valid checksum", () => {
    const b = encodeHeader({ name: "etc/passwd", type: TarType.file, mode: 0o4755, uid: 1, gid: 2, size: 10, mtime: 1700000000 });
    expect(b.length).toBe(512);
    expect(b.subarray(257, 265).toString("latin1")).toBe("ustar\u000000");
    expect(b.subarray(100, 108).toString("latin1")).toBe("0004755\u0000");
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
    expect(parseInt(b.subarray(148, 154).toString("latin1"), 8)).toBe(sum);
    expect(b.subarray(265, 329).every((x) => x === 0)).toBe(true); // empty uname/gname
  });

  it("adds one sorted PAX header for long names, big ids, big sizes and xattrs", async () => {
    const name = `${"d/".repeat(70)}file-é`;
    const h = encodeHeader({
      name,
      type: TarType.file,
      mode: 0o644,
      uid: 3_000_000,
      gid: 5,
      size: 0,
      mtime: 1,
      xattrs: new Map([["user.b", Buffer.from([0, 1, 0x0a, 0xff])], ["security.capability", Buffer.alloc(20, 1)]]),
    });
    const paxBody = h.subarray(512, 512 + parseInt(h.subarray(124, 136).toString("latin1"), 8));
    const keys: string[] = [];
    for (let pos = 0; pos < paxBody.length; ) {
      const sp = paxBody.indexOf(0x20, pos);
      const len = Number(paxBody.subarray(pos, sp).toString());
      keys.push(paxBody.subarray(sp + 1, paxBody.indexOf(0x3d, sp)).toString());
      pos += len;
    }
    expect(keys).toEqual([
      "SCHILY.xattr.security.capability",
      "SCHILY.xattr.user.b",
      "path",
      "uid",
    ]);
    const entries = [];
    for await (const e of readTar([h, END_OF_ARCHIVE])) entries.push(e);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ name, uid: 3_000_000, gid: 5 });
    expect(entries[0]!.xattrs.get("user.b")).toEqual(Buffer.from([0, 1, 0x0a, 0xff]));
  });

  it("is read by GNU tar as written", async () => {
    const dir = await tempDir();
    try {
      const file = path.join(dir, "t.tar");
      const long = `${"x".repeat(150)}/y`;
      await writeFile(
        file,
        buildTar([
          { name: "dir/", type: TarType.dir, mode: 0o1777, uid: 7, gid: 8 },
          { name: "dir/f", body: "hello", mode: 0o2755 },
          { name: "dir/l", type: TarType.symlink, linkname: "../" + "t".repeat(120), mode: 0o777 },
          { name: "dir/h", type: TarType.link, linkname: "dir/f" },
          { name: "dev/null", type: TarType.char, devmajor: 1, devminor: 3, mode: 0o666 },
          { name: long, body: "" },
        ]),
      );
      const lines = await tarListing(file);
      expect(lines.map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
        ["drwxrwxrwt", "7/8"],
        ["-rwxr-sr-x", "0/0"],
        ["lrwxrwxrwx", "0/0"],
        ["hrw-r--r--", "0/0"],
        ["crw-rw-rw-", "0/0"],
        ["-rw-r--r--", "0/0"],
      ]);
      expect(lines[2]).toMatch(/ dir\/l -> \.\.\/t{120}$/);
      expect(lines[3]).toMatch(/ dir\/h link to dir\/f$/);
      expect(lines[4]).toMatch(/ 1,3 .* dev\/null$/);
      expect(lines[5]!.endsWith(` ${long}`)).toBe(true);
      await execa("tar", ["-xf", file, "-C", dir, "dir/f"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
