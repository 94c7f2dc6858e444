import path from "node:path";
import { rm, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpXattrTree, isLayerXattr, readXattrs, setXattrsBatch } from "./xattrs.js";
import { tempDir } from "./testsuite/trees.js";

describe("xattrs through getfattr/setfattr", () => {
  let dir: string;
  const odd = ["plain", "with space", "new\nline", "back\\slash", "équipe", "eq=ual"];
  beforeAll(async () => {
    dir = await tempDir();
    for (const n of odd) await writeFile(path.join(dir, n), n);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("sets with one setfattr process and reads back with one getfattr -R, whatever the file names", async () => {
    const value = Buffer.from([0, 0x0a, 0x22, 0xff, 0x5c]);
    await setXattrsBatch(odd.flatMap((n) => [
      { path: path.join(dir, n), name: "user.bin", value },
      { path: path.join(dir, n), name: "user.empty", value: Buffer.alloc(0) },
    ]));
    const dump = await dumpXattrTree(dir);
    for (const n of odd) {
      expect(dump.get(path.join(dir, n))?.get("user.bin")).toEqual(value);
      expect(dump.get(path.join(dir, n))?.get("user.empty")).toEqual(Buffer.alloc(0));
    }
    const some = await readXattrs([path.join(dir, "new\nline"), path.join(dir, "équipe")]);
    expect([...some.keys()].sort()).toEqual([path.join(dir, "new\nline"), path.join(dir, "équipe")].sort());
  });

  it("keeps only capabilities and user attributes in layers", () => {
    expect(["security.capability", "user.x", "trusted.overlay.opaque", "security.selinux"].filter(isLayerXattr)).toEqual([
      "security.capability",
      "user.x",
    ]);
  });
});
