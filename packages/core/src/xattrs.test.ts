import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readXattrTree, readXattrs, writeXattrs } from "./xattrs.js";
import { nativeXattrs, reloadNativeXattrs } from "./xattrs-native.js";

// Needs root (trusted.* xattrs) and attr's getfattr/setfattr; both backends must agree exactly.
const backends = [
  { name: "native (@napi-rs/xattr)", env: undefined },
  { name: "getfattr/setfattr processes", env: "getfattr" },
] as const;

describe.each(backends)("xattrs through $name", ({ env }) => {
  let dir: string;
  const odd = ["plain", "with space", "new\nline", "back\\slash", "équipe", "eq=ual"];
  const value = Buffer.from([0, 0x0a, 0x22, 0xff, 0x5c]);

  // Every test of this block runs on its backend: set before each, cleared only after the block.
  beforeEach(() => {
    if (env === undefined) delete process.env.STRATA_XATTRS;
    else process.env.STRATA_XATTRS = env;
    reloadNativeXattrs();
    expect(nativeXattrs() === undefined).toBe(env === "getfattr");
  });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "strata-xattrs-"));
    await mkdir(path.join(dir, "sub/deeper"), { recursive: true });
    for (const n of odd) await writeFile(path.join(dir, "sub", n), n);
    await writeFile(path.join(dir, "sub/deeper/target"), "t");
    await symlink("target", path.join(dir, "sub/deeper/link"));
    await writeFile(path.join(dir, "bare"), "no xattrs");
  });
  afterAll(async () => {
    delete process.env.STRATA_XATTRS;
    reloadNativeXattrs();
    await rm(dir, { recursive: true, force: true });
  });

  it("uses the backend asked for", () => {
    expect(nativeXattrs() === undefined).toBe(env === "getfattr");
  });

  it("writes and reads back any value on any file name, and never follows a symlink", async () => {
    await writeXattrs(odd.flatMap((n) => [
      { path: path.join(dir, "sub", n), name: "user.bin", value },
      { path: path.join(dir, "sub", n), name: "user.empty", value: Buffer.alloc(0) },
    ]));
    await writeXattrs([
      { path: path.join(dir, "sub/deeper/link"), name: "trusted.overlay.opaque", value: Buffer.from("y") },
      { path: path.join(dir, "sub/deeper"), name: "trusted.overlay.opaque", value: Buffer.from("y") },
    ]);
    // Written by the other tool, read by this backend: the two agree on the bytes.
    await execa("setfattr", ["-n", "user.origin", "-v", "0x00ff", path.join(dir, "sub/deeper/target")]);

    const tree = await readXattrTree(dir);
    for (const n of odd) {
      const p = path.join(dir, "sub", n);
      expect(tree(p)).toEqual(new Map([["user.bin", value], ["user.empty", Buffer.alloc(0)]]));
    }
    expect(tree(path.join(dir, "sub/deeper/link"))).toEqual(new Map([["trusted.overlay.opaque", Buffer.from("y")]]));
    expect(tree(path.join(dir, "sub/deeper/target"))).toEqual(new Map([["user.origin", Buffer.from([0, 0xff])]]));
    expect(tree(path.join(dir, "sub/deeper"))).toEqual(new Map([["trusted.overlay.opaque", Buffer.from("y")]]));
    expect(tree(path.join(dir, "bare"))).toBeUndefined();
    expect(tree(path.join(dir, "gone"))).toBeUndefined();

    const some = await readXattrs([path.join(dir, "sub/new\nline"), path.join(dir, "sub/équipe"), path.join(dir, "bare"), path.join(dir, "gone")]);
    expect([...some.keys()].sort()).toEqual([path.join(dir, "sub/new\nline"), path.join(dir, "sub/équipe")].sort());
  });

  it("reads a missing tree as one without xattrs", async () => {
    expect((await readXattrTree(path.join(dir, "missing")))(path.join(dir, "missing"))).toBeUndefined();
  });
});
