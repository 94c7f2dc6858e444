import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "@strata/core";
import { buildBusyboxArchive, flattenImageArchive } from "../src/index.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "testkit-busybox-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("buildBusyboxArchive (needs /bin/busybox from busybox-static)", () => {
  it("writes the same bytes every time, and the image ID is the config digest", async () => {
    const a = await buildBusyboxArchive(path.join(tmp, "a.tar"));
    const b = await buildBusyboxArchive(path.join(tmp, "b.tar"));
    expect(a).toEqual(b);
    expect(sha256(await readFile(path.join(tmp, "a.tar")))).toBe(sha256(await readFile(path.join(tmp, "b.tar"))));
    const img = await flattenImageArchive(path.join(tmp, "a.tar"));
    expect(img.config.rootfs.diff_ids).toEqual([a.diffId]);
    expect(img.config.config).toEqual({ Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] });
    expect(img.config.history).toHaveLength(1);
  });

  it("holds busybox, applet symlinks, users and the standard directories", async () => {
    await buildBusyboxArchive(path.join(tmp, "c.tar"), { tag: "example/bb:1" });
    const { files } = await flattenImageArchive(path.join(tmp, "c.tar"));
    expect(files.get("/bin/busybox")).toMatchObject({ type: "file", mode: 0o755, uid: 0, gid: 0 });
    expect(files.get("/bin/sh")).toMatchObject({ type: "symlink", linkTarget: "busybox" });
    expect(files.get("/tmp")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(files.get("/home/app")).toMatchObject({ type: "dir", uid: 1000, gid: 1000 });
    expect(files.get("/root")).toMatchObject({ type: "dir", mode: 0o700 });
    for (const d of ["/var", "/usr/bin", "/etc"]) expect(files.get(d)?.type).toBe("dir");
    expect([...files.keys()].filter((p) => p.startsWith("/usr/bin/"))).toEqual([]);
    const manifest = await readFile(path.join(tmp, "c.tar"));
    expect(manifest.includes(Buffer.from('"RepoTags":["example/bb:1"]'))).toBe(true);
  });
});
