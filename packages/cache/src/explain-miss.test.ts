import { chmod, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256 } from "@strata/core";
import { openCacheStore } from "./cache-store.js";
import { openContextHasher } from "./context-hasher.js";
import { explainPreimages } from "./explain-miss.js";
import { stepKey } from "./step-key.js";
import { makeTree, settle } from "./testsuite/fixtures.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe("explaining a COPY miss file by file", () => {
  it("names content, mode, added, removed, symlink target and owner changes", async () => {
    const tree = await makeTree({
      "ctx/src/app.ts": "a\n",
      "ctx/src/run.sh": "echo\n",
      "ctx/src/old.ts": "old\n",
      "ctx/src/cur": "->app.ts",
      "ctx/src/same.ts": "same\n",
    });
    cleanups.push(tree.cleanup);
    const ctx = path.join(tree.dir, "ctx");
    await chmod(path.join(ctx, "src/run.sh"), 0o644);
    await settle();
    const store = await openCacheStore(path.join(tree.dir, "cache"));
    const hasher = await openContextHasher({ contextDir: ctx, statCacheFile: path.join(tree.dir, "stat.json") });
    const copyKey = async (owner?: { uid: number; gid: number }) =>
      stepKey({
        kind: "COPY",
        definition: { text: "COPY src /app/" },
        parent: sha256("parent"),
        inputs: { context: await hasher.checksum(["src"], { owner }) },
      });

    const first = await copyKey();
    await store.save(first.key, { snapshot: "s1" }, first.preimage);
    await store.rememberStep("Dockerfile#0#2", first.preimage);

    await chmod(path.join(ctx, "src/run.sh"), 0o755);
    const modeOnly = await copyKey();
    expect(modeOnly.key).not.toBe(first.key);
    expect(await store.explainMiss("Dockerfile#0#2", modeOnly.preimage)).toEqual(["src/run.sh mode 0644→0755"]);

    await writeFile(path.join(ctx, "src/app.ts"), "b\n");
    await rm(path.join(ctx, "src/old.ts"));
    await writeFile(path.join(ctx, "src/new.ts"), "new\n");
    await rm(path.join(ctx, "src/cur"));
    await symlink("run.sh", path.join(ctx, "src/cur"));
    const many = await copyKey({ uid: 1000, gid: 1000 });
    expect(await store.explainMiss("Dockerfile#0#2", many.preimage)).toEqual([
      "owner 0:0→1000:1000",
      "src/app.ts content changed",
      "src/cur symlink target app.ts→run.sh",
      "added src/new.ts",
      "src/run.sh mode 0644→0755",
      "removed src/old.ts",
    ]);
  });

  it("caps long lists and explains inputs it has no listing for", () => {
    const entries = (n: number, tag: string) => Array.from({ length: n }, (_, i): [string, string, string] => [`f${i}`, "f0644", tag]);
    const pre = (tag: string, base: string) => ({
      v: 1,
      kind: "COPY",
      definition: {},
      inputs: { context: sha256(tag), base: sha256(base), "from:builder": sha256(tag), "url:https://x/y.tgz": sha256(tag) },
      files: { context: { owner: "0:0", entries: entries(30, tag) } },
    });
    const reasons = explainPreimages(pre("a", "b1"), pre("b", "b2"), 5);
    expect(reasons).toEqual([
      "base image digest changed",
      "f0 content changed",
      "f1 content changed",
      "f2 content changed",
      "f3 content changed",
      "… and 28 more changes",
    ]);
    expect(explainPreimages(pre("a", "b"), pre("b", "b"), 100)).toContain("stage builder result changed");
    expect(explainPreimages(pre("a", "b"), pre("b", "b"), 100)).toContain("https://x/y.tgz checksum changed");
  });
});
