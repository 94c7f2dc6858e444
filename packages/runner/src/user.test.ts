import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, GROUP, PASSWD } from "./testsuite/busybox-rootfs.js";
import { resolveUser } from "./user.js";

describe("resolveUser", () => {
  let t: { dir: string; dispose(): Promise<void> };
  let empty: string;
  beforeAll(async () => {
    t = await tempDir("strata-user-");
    // /etc is a symlink inside the root: it must be followed inside, not on the host.
    await mkdir(path.join(t.dir, "real-etc"));
    await symlink("/real-etc", path.join(t.dir, "etc"));
    await writeFile(path.join(t.dir, "real-etc", "passwd"), `# comment\n${PASSWD}broken-line\n`);
    await writeFile(path.join(t.dir, "real-etc", "group"), GROUP);
    empty = path.join(t.dir, "empty");
    await mkdir(empty);
  });
  afterAll(() => t.dispose());

  it("defaults to root with root's home and groups", async () => {
    expect(await resolveUser(t.dir)).toEqual({ uid: 0, gid: 0, additionalGids: [29], home: "/root" });
  });

  it("resolves a name to its uid, primary gid, home and supplementary groups", async () => {
    expect(await resolveUser(t.dir, "app")).toEqual({ uid: 1000, gid: 1000, additionalGids: [50, 29], home: "/home/app" });
    expect(await resolveUser(t.dir, "1000")).toEqual({ uid: 1000, gid: 1000, additionalGids: [50, 29], home: "/home/app" });
  });

  it("takes an explicit group by name or number, without supplementary groups", async () => {
    expect(await resolveUser(t.dir, "app:staff")).toEqual({ uid: 1000, gid: 50, additionalGids: [], home: "/home/app" });
    expect(await resolveUser(t.dir, "app:7777")).toEqual({ uid: 1000, gid: 7777, additionalGids: [], home: "/home/app" });
    expect(await resolveUser(t.dir, "4242:50")).toEqual({ uid: 4242, gid: 50, additionalGids: [], home: "/" });
  });

  it("accepts a numeric uid without an entry (gid 0, home /), even without /etc/passwd", async () => {
    expect(await resolveUser(t.dir, "4242")).toEqual({ uid: 4242, gid: 0, additionalGids: [], home: "/" });
    expect(await resolveUser(empty, "1:2")).toEqual({ uid: 1, gid: 2, additionalGids: [], home: "/" });
    expect(await resolveUser(empty)).toEqual({ uid: 0, gid: 0, additionalGids: [], home: "/" });
  });

  it("rejects unknown names with Docker's messages", async () => {
    await expect(resolveUser(t.dir, "ghost")).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "unable to find user ghost: no matching entries in passwd file",
    });
    await expect(resolveUser(empty, "app")).rejects.toThrow("unable to find user app: no matching entries in passwd file");
    await expect(resolveUser(t.dir, "app:ghosts")).rejects.toThrow(
      "unable to find group ghosts: no matching entries in group file",
    );
  });
});
