import { lstatSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lstatNumbers } from "./stat-numbers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "stat-numbers-"));
  await writeFile(path.join(dir, "file"), "12345");
  await mkdir(path.join(dir, "sub"));
  await symlink("file", path.join(dir, "link"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("lstatNumbers", () => {
  it("gives what lstatSync gives, without following a symlink", () => {
    for (const name of ["file", "sub", "link"]) {
      const want = lstatSync(path.join(dir, name));
      expect(lstatNumbers(path.join(dir, name)), name).toEqual({
        dev: want.dev, mode: want.mode, ino: want.ino, size: want.size, mtimeMs: want.mtimeMs, ctimeMs: want.ctimeMs,
      });
    }
  });

  it("is undefined for a missing path and throws for other errors", () => {
    expect(lstatNumbers(path.join(dir, "missing"))).toBeUndefined();
    expect(() => lstatNumbers(path.join(dir, "file", "below"))).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
  });
});
