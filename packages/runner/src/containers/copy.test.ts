import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveStrict } from "./copy.js";

describe("paths inside a container for cp", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "strata-cp-"));
    await mkdir(path.join(root, "etc"));
    await mkdir(path.join(root, "a/b"), { recursive: true });
    await symlink("/etc", path.join(root, "abs"));
    await symlink("../etc", path.join(root, "a/rel"));
    await symlink("../../../../..", path.join(root, "a/up"));
    await symlink("/../..", path.join(root, "a/absup"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("follows symlinks as the container sees them", () => {
    expect(resolveStrict(root, "/abs/passwd", true)).toBe(path.join(root, "etc/passwd"));
    expect(resolveStrict(root, "/a/rel/passwd", true)).toBe(path.join(root, "etc/passwd"));
    expect(resolveStrict(root, "/a/b/../rel", false)).toBe(path.join(root, "a/rel"));
    expect(resolveStrict(root, "a/./b/", true)).toBe(path.join(root, "a/b"));
  });

  it("refuses .. and symlinks that climb out of the root", () => {
    for (const p of ["/../etc/passwd", "/a/../../x", "/a/up/etc", "/a/absup/x"]) {
      expect(() => resolveStrict(root, p, true), p).toThrow(/escapes the container's root filesystem/);
    }
  });
});
