import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256 } from "@strata/core";
import { StatCache } from "./stat-cache.js";
import type { StatIdentity } from "./stat-identity.js";
import { makeTree } from "./testsuite/fixtures.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const st = (over: Partial<StatIdentity> = {}): StatIdentity => ({
  size: 3, mtimeMs: 1_700_000_000_000.25, ctimeMs: 1_700_000_000_500.125, ino: 42, dev: 7, mode: 0o100644, ...over,
});

describe("StatCache", () => {
  it("answers only when size, mtime, ctime, inode and device all match", async () => {
    const tree = await makeTree({});
    cleanups.push(tree.cleanup);
    const file = path.join(tree.dir, "sub", "stat.json");
    const cache = await StatCache.load(file, "/ctx");
    const d = sha256("abc");
    cache.set("a", st(), d, st().ctimeMs + 10_000);
    expect(cache.get("a", st())).toBe(d);
    for (const change of [{ size: 4 }, { mtimeMs: 1 }, { ctimeMs: st().ctimeMs + 0.001 }, { ino: 43 }, { dev: 8 }]) {
      expect(cache.get("a", st(change))).toBeUndefined();
    }
    await cache.save();
    expect((await StatCache.load(file, "/ctx")).get("a", st())).toBe(d);
    expect((await StatCache.load(file, "/other-ctx")).size).toBe(0); // a cache for another context is ignored
  });

  it("does not remember a file whose ctime is within timestamp granularity of the read (racy)", async () => {
    const cache = await StatCache.load("/nonexistent/stat.json", "/ctx");
    const d = sha256("abc");
    cache.set("racy", st(), d, st().ctimeMs + 10); // changed 10 ms before we read it: same tick is possible
    expect(cache.get("racy", st())).toBeUndefined();
    const whole = st({ ctimeMs: 1_700_000_000_000 }); // whole seconds: a coarse file system
    cache.set("coarse", whole, d, whole.ctimeMs + 1500);
    expect(cache.get("coarse", whole)).toBeUndefined();
    cache.set("coarse", whole, d, whole.ctimeMs + 2500);
    expect(cache.get("coarse", whole)).toBe(d);
  });

  it("a corrupt cache file is an empty cache", async () => {
    const tree = await makeTree({ "stat.json": "{oops" });
    cleanups.push(tree.cleanup);
    expect((await StatCache.load(path.join(tree.dir, "stat.json"), "/ctx")).size).toBe(0);
  });
});
