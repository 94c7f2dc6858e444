import { readFile, writeFile } from "node:fs/promises";
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

  it("a truncated or extended cache file is an empty cache, never a partly read one", async () => {
    const tree = await makeTree({});
    cleanups.push(tree.cleanup);
    const file = path.join(tree.dir, "stat.bin");
    const cache = await StatCache.load(file, "/ctx");
    for (const name of ["a", "b", "c"]) cache.set(name, st({ ino: name.charCodeAt(0) }), sha256(name), st().ctimeMs + 10_000);
    await cache.save();
    const whole = await readFile(file);
    expect((await StatCache.load(file, "/ctx")).size).toBe(3);
    for (const bytes of [whole.subarray(0, whole.length - 1), Buffer.concat([whole, Buffer.from("x")]), whole.subarray(0, 20)]) {
      await writeFile(file, bytes);
      expect((await StatCache.load(file, "/ctx")).size).toBe(0);
    }
  });

  it("a file that turned racy after load is forgotten when saved, not kept with its old digest", async () => {
    const tree = await makeTree({});
    cleanups.push(tree.cleanup);
    const file = path.join(tree.dir, "stat.bin");
    const first = await StatCache.load(file, "/ctx");
    first.set("a", st(), sha256("old"), st().ctimeMs + 10_000);
    first.set("b", st({ ino: 50 }), sha256("b"), st().ctimeMs + 10_000);
    await first.save();
    const second = await StatCache.load(file, "/ctx");
    const rewritten = st({ ctimeMs: st().ctimeMs + 5000 });
    second.set("a", rewritten, sha256("new"), rewritten.ctimeMs + 1); // changed again just now
    expect(second.get("a", rewritten)).toBeUndefined();
    await second.save();
    const third = await StatCache.load(file, "/ctx");
    expect(third.get("a", st())).toBeUndefined();
    expect(third.get("a", rewritten)).toBeUndefined();
    expect(third.get("b", st({ ino: 50 }))).toBe(sha256("b"));
  });

  it("forgets what a whole-context walk did not see, keeps it after a partial one", async () => {
    const tree = await makeTree({});
    cleanups.push(tree.cleanup);
    const file = path.join(tree.dir, "stat.bin");
    const first = await StatCache.load(file, "/ctx");
    for (const name of ["kept", "gone"]) first.set(name, st({ ino: name.length }), sha256(name), st().ctimeMs + 10_000);
    await first.save();
    const partial = await StatCache.load(file, "/ctx");
    partial.get("kept", st({ ino: 4 }));
    partial.set("new", st({ ino: 9 }), sha256("new"), st().ctimeMs + 10_000);
    await partial.save();
    expect((await StatCache.load(file, "/ctx")).size).toBe(3);
    const whole = await StatCache.load(file, "/ctx");
    whole.get("kept", st({ ino: 4 }));
    whole.get("new", st({ ino: 9 }));
    await whole.save({ dropUnseen: true });
    const after = await StatCache.load(file, "/ctx");
    expect(after.size).toBe(2);
    expect(after.get("gone", st({ ino: 4 }))).toBeUndefined();
    expect(after.get("kept", st({ ino: 4 }))).toBe(sha256("kept"));
  });
});
