import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, readFile, readdir, rename, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { compareFlattened, flattenImageArchive } from "@strata/testkit";
import { cleanup, makeContext, rootWithBusybox, strata, tempDir } from "./helpers.js";

const DOCKERFILE = [
  "FROM busybox",
  "COPY base.txt /base.txt",
  "RUN cat /base.txt > /derived.txt",
  "COPY src/ /app/src/",
  "RUN ls -l /app/src > /listing.txt",
  "COPY late.txt /late.txt",
  "RUN cat /late.txt >> /derived.txt",
  "",
].join("\n");

/** Per step (in order): whether it was CACHED, from `--metadata-file`. */
async function cachedSteps(root: string, ctx: string, extra: string[] = []): Promise<boolean[]> {
  const dir = await tempDir("meta");
  const file = path.join(dir, "meta.json");
  const res = await strata(root, ["build", "-q", "-t", "cached:1", "--metadata-file", file, ...extra, ctx]);
  expect(res.exitCode, res.all).toBe(0);
  const meta = JSON.parse(await readFile(file, "utf8"));
  await cleanup(dir);
  return meta["strata.steps"].filter((s: { key?: string }) => s.key).map((s: { cached: boolean }) => s.cached);
}

async function dryRun(root: string, ctx: string): Promise<{ cache: string; reasons: string[]; instruction: string }[]> {
  const res = await strata(root, ["build", "--dry-run", "--format", "json", ctx]);
  expect(res.exitCode, res.all).toBe(0);
  return JSON.parse(res.stdout).steps;
}

describe("build cache keyed by content (needs root + runc)", () => {
  let root: string;
  let ctx: string;
  beforeAll(async () => {
    root = await rootWithBusybox();
    ctx = await makeContext({ Dockerfile: DOCKERFILE, "base.txt": "base\n", "src/a.ts": "a\n", "src/b.ts": "b\n", "late.txt": "late\n", "unused.txt": "x\n" });
  });
  afterAll(() => cleanup(root, ctx));

  it("a second build is all CACHED, and still after touching every file", async () => {
    expect(await cachedSteps(root, ctx)).toEqual([false, false, false, false, false, false]);
    expect(await cachedSteps(root, ctx)).toEqual([true, true, true, true, true, true]);
    const later = new Date(Date.now() + 60_000);
    for (const f of ["base.txt", "src/a.ts", "src/b.ts", "late.txt", "Dockerfile"]) await utimes(path.join(ctx, f), later, later);
    expect((await dryRun(root, ctx)).map((s) => s.cache)).toEqual(["HIT", "HIT", "HIT", "HIT", "HIT", "HIT"]);
    expect(await cachedSteps(root, ctx)).toEqual([true, true, true, true, true, true]);
  });

  it("a file no step reads changes nothing", async () => {
    await writeFile(path.join(ctx, "unused.txt"), "changed\n");
    expect(await cachedSteps(root, ctx)).toEqual([true, true, true, true, true, true]);
  });

  it("changing a file read by a late COPY reruns only that step and those after it, as --dry-run said, naming the file", async () => {
    await writeFile(path.join(ctx, "late.txt"), "later\n");
    const plan = await dryRun(root, ctx);
    expect(plan.map((s) => s.cache)).toEqual(["HIT", "HIT", "HIT", "HIT", "MISS", "MISS"]);
    expect(plan[4]!.reasons).toContain("late.txt content changed");
    expect(plan[5]!.reasons.join(" ")).toMatch(/parent/);
    expect(await cachedSteps(root, ctx)).toEqual([true, true, true, true, false, false]);
  });

  it("a mode change is a miss that says so", async () => {
    await chmod(path.join(ctx, "src/a.ts"), 0o755);
    const plan = await dryRun(root, ctx);
    expect(plan[2]!.cache).toBe("MISS");
    expect(plan[2]!.reasons.join(" ")).toContain("src/a.ts mode 0644→0755");
    await chmod(path.join(ctx, "src/a.ts"), 0o644);
  });

  it("a --build-arg invalidates only the steps that can see it", async () => {
    const dir = await makeContext({ Dockerfile: "FROM busybox\nCOPY f /f\nARG V=1\nRUN echo $V > /v\nCOPY g /g\n", f: "f", g: "g" });
    expect(await cachedSteps(root, dir)).toEqual([false, false, false]);
    const plan = await dryRun(root, dir);
    expect(plan.map((s) => s.cache)).toEqual(["HIT", "HIT", "HIT"]);
    const res = await strata(root, ["build", "--dry-run", "--format", "json", "--build-arg", "V=2", dir]);
    const steps = JSON.parse(res.stdout).steps;
    expect(steps.map((s: { cache: string }) => s.cache)).toEqual(["HIT", "MISS", "MISS"]);
    expect(steps[1].reasons).toContain("build-arg V changed");
    await cleanup(dir);
  });

  it("the BuildKit#2592 trap: same size, mtime restored, still ships the new bytes", async () => {
    const file = path.join(ctx, "late.txt");
    const before = await stat(file);
    await writeFile(file, "LATER\n");
    await utimes(file, before.atime, before.mtime);
    expect((await stat(file)).size).toBe(before.size);
    expect(await cachedSteps(root, ctx)).toEqual([true, true, true, true, false, false]);
    const out = await strata(root, ["save", "-o", path.join(ctx, "..", "trap.tar"), "cached:1"]);
    expect(out.exitCode, out.all).toBe(0);
    const image = await flattenImageArchive(path.join(ctx, "..", "trap.tar"));
    const late = image.files.get("/late.txt") ?? image.files.get("late.txt");
    expect(late?.size).toBe(6);
    const { createHash } = await import("node:crypto");
    expect(late?.sha256?.replace(/^sha256:/, "")).toBe(createHash("sha256").update("LATER\n").digest("hex"));
    await rm(path.join(ctx, "..", "trap.tar"));
  });

  it("--fail-on-miss exits 3 when a step would miss, 0 when all hit", async () => {
    expect((await strata(root, ["build", "--dry-run", "--fail-on-miss", ctx])).exitCode).toBe(0);
    await writeFile(path.join(ctx, "base.txt"), "new base\n");
    const res = await strata(root, ["build", "--dry-run", "--fail-on-miss", ctx]);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain("missed the cache");
  });

  it("exported from one root and imported into an empty one: dry-run all HIT, and the build runs no step", async () => {
    const cacheDir = await tempDir("cache-export");
    const first = await strata(root, ["build", "-q", "-t", "cached:1", "--cache-to", `type=local,dest=${cacheDir},mode=max`, ctx]);
    expect(first.exitCode, first.all).toBe(0);
    const fresh = await rootWithBusybox();
    const dry = await strata(fresh, ["build", "--dry-run", "--format", "json", "--cache-from", `type=local,src=${cacheDir}`, ctx]);
    expect(dry.exitCode, dry.all).toBe(0);
    expect(JSON.parse(dry.stdout).steps.every((s: { cache: string }) => s.cache === "HIT")).toBe(true);
    expect(await cachedSteps(fresh, ctx, ["--cache-from", `type=local,src=${cacheDir}`])).toEqual([true, true, true, true, true, true]);
    const missing = await strata(fresh, ["build", "-q", "--cache-from", "type=local,src=/nonexistent/cache", ctx]);
    expect(missing.exitCode, missing.all).toBe(0);
    expect(missing.stderr).toContain("WARNING");
    await cleanup(cacheDir, fresh);
  });
});

/** A deterministic pseudo-random generator, so a failing sequence can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

describe("the cache never serves a stale result (property, needs root + runc)", () => {
  it("after random context edits, a cached build's filesystem equals a --no-cache build's", async () => {
    const root = await rootWithBusybox();
    const ctx = await makeContext({
      Dockerfile: "FROM busybox\nCOPY . /ctx\nRUN find /ctx | sort > /manifest\nCOPY keep/ /keep/\n",
      ".dockerignore": "ignored*\n",
      "keep/a": "a",
      "keep/b": "b",
      "top": "t",
    });
    const next = rng(20261123);
    const flat = async (tag: string, extra: string[]) => {
      const built = await strata(root, ["build", "-q", "-t", tag, ...extra, ctx]);
      expect(built.exitCode, built.all).toBe(0);
      const out = path.join(ctx, "..", `${tag.replace(/\W/g, "_")}.tar`);
      expect((await strata(root, ["save", "-o", out, tag])).exitCode).toBe(0);
      const image = await flattenImageArchive(out);
      await rm(out);
      return image;
    };
    const files = async () => (await readdir(ctx, { recursive: true })).filter((f) => !f.startsWith("Dockerfile"));
    const edits = [
      async () => writeFile(path.join(ctx, "keep", `n${next(5)}`), `new ${next(1000)}`),
      async () => {
        const f = (await files()).filter((x) => !x.includes("dockerignore"));
        const pick = f[next(f.length)];
        if (pick) await writeFile(path.join(ctx, pick), `changed ${next(1000)}`).catch(() => {});
      },
      async () => {
        const f = (await files()).filter((x) => x.startsWith("keep/") && x !== "keep/a");
        if (f.length) await rm(path.join(ctx, f[next(f.length)]!), { force: true });
      },
      async () => chmod(path.join(ctx, "keep", "a"), next(2) ? 0o755 : 0o644),
      async () => rename(path.join(ctx, "top"), path.join(ctx, "top2")).catch(() => rename(path.join(ctx, "top2"), path.join(ctx, "top"))),
      async () => {
        await rm(path.join(ctx, "link"), { force: true });
        await symlink(next(2) ? "keep/a" : "keep/b", path.join(ctx, "link"));
      },
      async () => writeFile(path.join(ctx, ".dockerignore"), next(2) ? "ignored*\n" : "ignored*\nkeep/b\n"),
      async () => writeFile(path.join(ctx, `ignored${next(3)}`), `ignored ${next(1000)}`),
    ];
    await flat("prop:cached", []);
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 2; i++) await edits[next(edits.length)]!();
      const cached = await flat("prop:cached", []);
      const fresh = await flat("prop:fresh", ["--no-cache"]);
      expect(compareFlattened(cached, fresh, { ignorePaths: [/^\/?manifest$/] }), `round ${round}`).toEqual(
        compareFlattened(fresh, fresh),
      );
    }
    await cleanup(root, ctx);
  });
});
