import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseChmod } from "./chmod.js";
import { resolveOwner } from "./owner.js";
import { readDockerignore } from "./ignore.js";
import { tempDir } from "./testsuite/fixtures.js";

describe("parseChmod", () => {
  it("accepts octal", () => {
    expect(parseChmod("755")).toBe(0o755);
    expect(parseChmod("0644")).toBe(0o644);
    expect(parseChmod("4755")).toBe(0o4755);
  });
  it("rejects symbolic and junk clearly", () => {
    expect(() => parseChmod("u+x")).toThrow(/invalid --chmod value "u\+x": expected an octal mode/);
    expect(() => parseChmod("888")).toThrow(/octal/);
    expect(() => parseChmod("07777 ")).toThrow();
  });
});

describe("resolveOwner", () => {
  it("resolves numbers and names from the rootfs files", async () => {
    const root = await tempDir();
    await mkdir(path.join(root, "etc"));
    await writeFile(path.join(root, "etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1001:1002::/home/app:/bin/sh\n");
    await writeFile(path.join(root, "etc/group"), "root:x:0:\nstaff:x:50:app\n");
    expect(await resolveOwner(root, "10")).toEqual({ uid: 10, gid: 10 });
    expect(await resolveOwner(root, "10:20")).toEqual({ uid: 10, gid: 20 });
    expect(await resolveOwner(root, "app")).toEqual({ uid: 1001, gid: 1002 });
    expect(await resolveOwner(root, "app:staff")).toEqual({ uid: 1001, gid: 50 });
    expect(await resolveOwner(root, "5:staff")).toEqual({ uid: 5, gid: 50 });
    await expect(resolveOwner(root, "nobody")).rejects.toThrow(/can't find uid for user nobody/);
    await expect(resolveOwner(root, "app:nogroup")).rejects.toThrow(/can't find gid for group nogroup/);
    await expect(resolveOwner(root, "a:b:c")).rejects.toThrow(/invalid --chown/);
  });
  it("fails for names when the rootfs has no /etc/passwd", async () => {
    await expect(resolveOwner(await tempDir(), "app")).rejects.toThrow(/no such user: app/);
  });
});

describe("readDockerignore", () => {
  it("reads lines, or [] when absent", async () => {
    const dir = await tempDir();
    expect(await readDockerignore(dir)).toEqual([]);
    await writeFile(path.join(dir, ".dockerignore"), "\uFEFFa\r\n!b\n");
    expect(await readDockerignore(dir)).toEqual(["a", "!b", ""]);
  });
});
