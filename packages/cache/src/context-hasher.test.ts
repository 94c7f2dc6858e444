import { chmod, chown, mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import dockerignore from "@balena/dockerignore";
import { isNotFound, sha256 } from "@strata/core";
import { digestEntries } from "./context-checksum.js";
import { openContextHasher, type ContextHasher } from "./context-hasher.js";
import { decodeStatCache } from "./stat-cache-file.js";
import { makeTree, settle, writeTree } from "./testsuite/fixtures.js";

type IgnoreFactory = typeof dockerignore.default;
const ignoreFactory = ((dockerignore as unknown as { default?: IgnoreFactory }).default ?? dockerignore) as IgnoreFactory;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fixture(files: Record<string, string>, ignore?: (rel: string) => boolean) {
  const tree = await makeTree(files);
  cleanups.push(tree.cleanup);
  const ctx = path.join(tree.dir, "ctx");
  await mkdir(ctx, { recursive: true });
  const statCacheFile = path.join(tree.dir, "state", "stat-cache.json");
  const open = (): Promise<ContextHasher> => openContextHasher({ contextDir: ctx, statCacheFile, ignore });
  await settle();
  return { ctx, statCacheFile, open, hasher: await open() };
}

const base = {
  "ctx/src/app.ts": "console.log(1)\n",
  "ctx/src/run.sh": "#!/bin/sh\necho hi\n",
  "ctx/src/lib/util.ts": "export const x = 1;\n",
  "ctx/README.md": "readme\n",
};

describe("ContextHasher", () => {
  it("selects a directory's whole subtree, sorted, with root ownership and no mtimes", async () => {
    const { hasher } = await fixture(base);
    const sum = await hasher.checksum(["src"]);
    expect(sum.entries.map((e) => `${e.kind} ${e.path}`)).toEqual([
      "dir src",
      "dir src/lib",
      "file src/lib/util.ts",
      "file src/app.ts",
      "file src/run.sh",
    ].sort((a, b) => (a.split(" ")[1]! < b.split(" ")[1]! ? -1 : 1)));
    expect(sum.owner).toEqual({ uid: 0, gid: 0 });
    expect(sum.entries.find((e) => e.path === "src/app.ts")?.size).toBe(15);
  });

  it("second run over an unchanged tree reads no file; a saved cache works across processes", async () => {
    const { hasher, open } = await fixture(base);
    const first = await hasher.checksum(["."]);
    expect(hasher.counters.filesHashed).toBe(4);
    const again = await hasher.checksum(["."]);
    expect(again.digest).toBe(first.digest);
    expect(hasher.counters.filesHashed).toBe(4);
    expect(hasher.counters.statHits).toBe(4);
    await hasher.save();
    const reopened = await open();
    expect((await reopened.checksum(["."])).digest).toBe(first.digest);
    expect(reopened.counters).toMatchObject({ filesHashed: 0, statHits: 4 });
  });

  it("forgets deleted files when the whole context was checksummed", async () => {
    const { ctx, hasher, open, statCacheFile } = await fixture(base);
    await hasher.checksum(["."]);
    await hasher.save();
    await rm(path.join(ctx, "README.md"));
    const next = await open();
    await next.checksum(["src"]);
    await next.save(); // a partial walk cannot know what is gone
    expect(await cachedPaths(statCacheFile, ctx)).toContain("README.md");
    await next.checksum(["."]);
    await next.save();
    expect((await cachedPaths(statCacheFile, ctx)).sort()).toEqual(["src/app.ts", "src/lib/util.ts", "src/run.sh"]);
  });

  it("touch (mtime change only) keeps the digest; only the touched file is re-read", async () => {
    const { ctx, hasher } = await fixture(base);
    const before = await hasher.checksum(["."]);
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(ctx, "src/app.ts"), later, later);
    const after = await hasher.checksum(["."]);
    expect(after.digest).toBe(before.digest);
    expect(hasher.counters.filesHashed).toBe(5); // 4 cold + the touched one
    // Read again at most once more (if the first re-read was within the racy window), then stats only.
    await settle();
    await hasher.checksum(["."]);
    const settled = hasher.counters.filesHashed;
    expect(settled).toBeLessThanOrEqual(6);
    await hasher.checksum(["."]);
    expect(hasher.counters.filesHashed).toBe(settled);
  });

  it("is not fooled by a same-size rewrite with mtime restored (moby/buildkit#2592)", async () => {
    const { ctx, hasher, open } = await fixture(base);
    const file = path.join(ctx, "src/app.ts");
    const whole = 1_700_000_000; // seconds: restorable exactly, as tar and git checkouts do
    await utimes(file, whole, whole);
    await settle();
    const before = await hasher.checksum(["src"]);
    await hasher.save();
    const st = await stat(file, { bigint: true });
    await writeFile(file, "console.log(2)\n"); // same size
    await utimes(file, whole, whole);
    const restored = await stat(file, { bigint: true });
    expect(restored.mtimeNs).toBe(st.mtimeNs);
    expect(restored.size).toBe(st.size);
    expect(restored.ino).toBe(st.ino);
    const after = await hasher.checksum(["src"]);
    expect(after.digest).not.toBe(before.digest);
    expect(hasher.counters.filesHashed).toBe(4);
    // Also through the persisted cache, as the next `strata build` would see it.
    const fresh = await open();
    expect((await fresh.checksum(["src"])).digest).toBe(after.digest);
    expect(fresh.counters.filesHashed).toBe(1);
  });

  it("remembers a whole checksum by what the walk saw; a changed stat, an edit or other rules check file by file", async () => {
    const ignore = Object.assign((rel: string) => rel.endsWith(".md"), { key: "md", hasNegations: false });
    const { ctx, hasher, open } = await fixture(base, ignore);
    const first = await hasher.checksum(["."]);
    await hasher.save();
    const again = await open();
    const statCacheMemo = await again.checksum(["."]);
    expect(statCacheMemo.digest).toBe(first.digest);
    expect(again.counters).toMatchObject({ filesHashed: 0, statHits: 3 });
    await again.save(); // looked up no file, so it must forget none
    expect(statCacheMemo.entries).toEqual(first.entries); // still listed, for explaining a miss
    // Both listings (built lazily, by different paths) describe exactly the digest they came with.
    for (const sum of [first, statCacheMemo]) expect(digestEntries(sum.entries, sum.owner)).toBe(sum.digest);
    const third = await open();
    await chmod(path.join(ctx, "src/app.ts"), 0o600); // the memo misses; only app.ts (new ctime) is read again
    await third.checksum(["."]);
    expect(third.counters).toMatchObject({ filesHashed: 1, statHits: 2 });
    await chmod(path.join(ctx, "src/app.ts"), 0o644);

    // A chmod changes no content digest but the listing's modes: the memo must not answer.
    await chmod(path.join(ctx, "src/run.sh"), 0o755);
    const chmodded = await again.checksum(["."]);
    expect(chmodded.digest).not.toBe(first.digest);
    expect(chmodded.entries.find((e) => e.path === "src/run.sh")?.mode).toBe(0o755);

    // Rules the memo was not made under (another key, or none) never reuse it.
    const other = await openContextHasher({ contextDir: ctx, statCacheFile: path.join(path.dirname(ctx), "state", "stat-cache.json"), ignore: Object.assign((rel: string) => rel.endsWith(".md"), { key: "other" }) });
    expect((await other.checksum(["."])).digest).toBe(chmodded.digest);
  });

  it("ignores changes to files .dockerignore excludes", async () => {
    const ignore = (rel: string): boolean => rel === "secret.env" || rel === "logs" || rel.startsWith("logs/");
    const { ctx, hasher } = await fixture({ ...base, "ctx/secret.env": "A=1\n", "ctx/logs/a.log": "x\n" }, ignore);
    const before = await hasher.checksum(["."]);
    expect(before.entries.some((e) => e.path.startsWith("logs") || e.path === "secret.env")).toBe(false);
    await writeFile(path.join(ctx, "secret.env"), "A=2 changed\n");
    await writeFile(path.join(ctx, "logs/b.log"), "new\n");
    expect((await hasher.checksum(["."])).digest).toBe(before.digest);
    await expect(hasher.checksum(["secret.env"])).rejects.toSatisfy(isNotFound);
  });

  it(".dockerignore negations re-include a file below an ignored directory, with its parent", async () => {
    const patterns = ignoreFactory().add(["logs", "!logs/keep.log"]);
    const ignore = Object.assign((rel: string) => patterns.ignores(rel), { hasNegations: true });
    const { hasher } = await fixture({ ...base, "ctx/logs/a.log": "x\n", "ctx/logs/keep.log": "k\n" }, ignore);
    const paths = (await hasher.checksum(["."])).entries.map((e) => e.path);
    expect(paths.filter((p) => p.startsWith("logs"))).toEqual(["logs", "logs/keep.log"]);
  });

  it("a file the step does not read does not change its checksum", async () => {
    const { ctx, hasher } = await fixture(base);
    const before = await hasher.checksum(["src/*.ts"]);
    expect(before.entries.map((e) => e.path)).toEqual(["src/app.ts"]);
    await writeFile(path.join(ctx, "README.md"), "changed\n");
    await writeFile(path.join(ctx, "src/lib/util.ts"), "changed\n");
    expect((await hasher.checksum(["src/*.ts"])).digest).toBe(before.digest);
    await writeFile(path.join(ctx, "src/new.ts"), "new\n");
    expect((await hasher.checksum(["src/*.ts"])).digest).not.toBe(before.digest);
  });

  it("a chmod changes the digest; --chmod overrides the host mode", async () => {
    const { ctx, hasher } = await fixture(base);
    const file = path.join(ctx, "src/run.sh");
    await chmod(file, 0o644);
    const before = await hasher.checksum(["src"]);
    await chmod(file, 0o755);
    const after = await hasher.checksum(["src"]);
    expect(after.digest).not.toBe(before.digest);
    expect(after.entries.find((e) => e.path === "src/run.sh")?.mode).toBe(0o755);
    const forced = await hasher.checksum(["src"], { chmod: 0o600 });
    await chmod(file, 0o644);
    expect((await hasher.checksum(["src"], { chmod: 0o600 })).digest).toBe(forced.digest);
  });

  it("host ownership never counts; --chown does (needs root to chown)", async () => {
    expect(process.getuid?.(), "this test needs root: it chowns files").toBe(0);
    const { ctx, hasher } = await fixture(base);
    const before = await hasher.checksum(["src"]);
    await chown(path.join(ctx, "src/app.ts"), 1234, 5678);
    await chown(path.join(ctx, "src"), 1234, 5678);
    const after = await hasher.checksum(["src"]);
    expect(after.digest).toBe(before.digest);
    const owned = await hasher.checksum(["src"], { owner: { uid: 1000, gid: 1000 } });
    expect(owned.digest).not.toBe(before.digest);
    expect(owned.owner).toEqual({ uid: 1000, gid: 1000 });
    expect((await hasher.checksum(["src"], { owner: { uid: 0, gid: 0 } })).digest).toBe(before.digest);
  });

  it("symlinks: targets count; a top-level link is followed unless asked not to", async () => {
    const { ctx, hasher } = await fixture({ ...base, "ctx/link": "->src", "ctx/src/cur": "->app.ts" });
    const via = await hasher.checksum(["link"]);
    expect(via.entries[0]).toMatchObject({ path: "src", kind: "dir" });
    expect(via.entries.find((e) => e.path === "src/cur")).toMatchObject({ kind: "symlink", target: "app.ts" });
    const raw = await hasher.checksum(["link"], { followTopSymlink: false });
    expect(raw.entries).toEqual([{ path: "link", kind: "symlink", mode: 0o777, target: "src" }]);
    const before = await hasher.checksum(["src"]);
    await rm(path.join(ctx, "src/cur"));
    await writeTree(ctx, { "src/cur": "->run.sh" });
    expect((await hasher.checksum(["src"])).digest).not.toBe(before.digest);
  });

  it("streams large files and serves overlapping checksums of one tree consistently", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, "z");
    const { ctx, hasher } = await fixture(base);
    await writeFile(path.join(ctx, "src/big.bin"), big);
    await settle();
    const [a, b] = await Promise.all([hasher.checksum(["src"]), hasher.checksum(["src/big.bin", "src/app.ts"])]);
    expect(a.entries.find((e) => e.path === "src/big.bin")).toMatchObject({ size: big.length, digest: sha256(big) });
    expect(b.entries.map((e) => e.path)).toEqual(["src/app.ts", "src/big.bin"]);
    expect(hasher.counters.filesHashed).toBeLessThanOrEqual(5); // big.bin once, though both asked for it
    big[12345] = 0x41; // same size, in place
    await writeFile(path.join(ctx, "src/big.bin"), big);
    expect((await hasher.checksum(["src/big.bin"])).entries[0]?.digest).toBe(sha256(big));
  });

  it("--exclude patterns apply relative to each source", async () => {
    const { hasher } = await fixture({ ...base, "ctx/src/app.test.ts": "t\n", "ctx/src/lib/util.test.ts": "t\n" });
    const sum = await hasher.checksum(["src"], { excludes: ["**/*.test.ts"] });
    expect(sum.entries.some((e) => e.path.endsWith(".test.ts"))).toBe(false);
    expect(sum.entries.some((e) => e.path === "src/lib/util.ts")).toBe(true);
  });

  it("wildcards, missing sources and paths that climb out of the context", async () => {
    const { hasher } = await fixture(base);
    expect((await hasher.checksum(["s?c/[a-q]*.ts"])).entries.map((e) => e.path)).toEqual(["src/app.ts"]);
    expect((await hasher.checksum(["nomatch*"])).entries).toEqual([]);
    expect((await hasher.checksum(["*/l?b/*.ts"])).entries.map((e) => e.path)).toEqual(["src/lib/util.ts"]);
    expect((await hasher.checksum(["s*"])).entries.map((e) => e.path)).toEqual(["src", "src/app.ts", "src/lib", "src/lib/util.ts", "src/run.sh"]);
    await expect(hasher.checksum(["missing.txt"])).rejects.toSatisfy(isNotFound);
    expect((await hasher.checksum(["../../README.md"])).entries.map((e) => e.path)).toEqual(["README.md"]);
  });
});

async function cachedPaths(statCacheFile: string, ctx: string): Promise<string[]> {
  const columns = decodeStatCache(await readFile(statCacheFile), path.resolve(ctx));
  if (!columns) throw new Error(`${statCacheFile}: not a stat cache of ${ctx}`);
  return columns.paths;
}
