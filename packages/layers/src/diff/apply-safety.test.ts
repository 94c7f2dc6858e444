import path from "node:path";
import { lstat, mkdir, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rm } from "node:fs/promises";
import { applyLayer } from "./apply-layer.js";
import { readTar } from "./tar-reader.js";
import { TarType } from "./tar-header.js";
import { buildTar, type TestEntry } from "./testsuite/tar-builder.js";
import { tempDir } from "./testsuite/trees.js";

/** Layers that try to write outside the root (named after the classic tar advisories). */
describe("applyLayer path safety", () => {
  let dir: string;
  let root: string;
  let outside: string;
  beforeEach(async () => {
    dir = await tempDir();
    root = path.join(dir, "root");
    outside = path.join(dir, "outside");
    await mkdir(root);
    await mkdir(outside);
    await writeFile(path.join(outside, "secret"), "keep me");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const apply = (entries: TestEntry[]) => applyLayer(root, readTar([buildTar(entries)]), { whiteouts: "plain" });
  const outsideUntouched = async () => {
    expect((await readdir(outside)).sort()).toEqual(["secret"]);
    expect(await readFile(path.join(outside, "secret"), "utf8")).toBe("keep me");
  };

  it.each([["../outside/evil"], ["a/../../outside/evil"], ["/abs/evil"], ["./../evil"]])("rejects %s", async (name) => {
    await expect(apply([{ name, body: "x" }])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await outsideUntouched();
    expect(await readdir(dir)).toEqual(expect.arrayContaining(["root", "outside"]));
    expect((await readdir(dir)).length).toBe(2);
  });

  it("does not follow an absolute symlink made by the layer out of the root (a -> /outside, then a/evil)", async () => {
    await apply([
      { name: "a", type: TarType.symlink, linkname: outside },
      { name: "a/evil", body: "pwned" },
      { name: "a/.wh.secret" },
    ]);
    await outsideUntouched();
    expect(await readFile(path.join(root, outside, "evil"), "utf8")).toBe("pwned");
  });

  it("confines a relative symlink that climbs above the root (b -> ../../..)", async () => {
    await apply([
      { name: "b", type: TarType.symlink, linkname: "../../../../.." },
      { name: "b/evil", body: "pwned" },
    ]);
    await outsideUntouched();
    expect(await readFile(path.join(root, "evil"), "utf8")).toBe("pwned");
  });

  it("replaces a symlink already at the entry's path instead of writing through it", async () => {
    await symlink(path.join(outside, "secret"), path.join(root, "c"));
    await apply([{ name: "c", body: "new" }]);
    await outsideUntouched();
    expect((await lstat(path.join(root, "c"))).isFile()).toBe(true);
  });

  it("rejects hardlinks to paths outside the root", async () => {
    await expect(apply([{ name: "h", type: TarType.link, linkname: "../outside/secret" }])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(apply([{ name: "h", type: TarType.link, linkname: path.join(outside, "secret") }])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await outsideUntouched();
  });

  it("rejects whiteouts of '.' and '..'", async () => {
    await expect(apply([{ name: "d/.wh.." }])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await outsideUntouched();
  });
});
