import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cleanup, makeContext, rootWithBusybox, strata, tempDir } from "./helpers.js";
import { execa } from "execa";

const WASTE = [
  "FROM busybox",
  "RUN mkdir /data && head -c 4000000 /dev/urandom > /data/a && head -c 6000000 /dev/urandom > /data/b",
  "RUN head -c 4000000 /dev/urandom > /data/a",
  "RUN rm /data/b",
  "",
].join("\n");

describe("analyze: wasted bytes and the CI gate (needs root + runc)", () => {
  let root: string;
  let tmp: string;
  let busyboxBytes: number;
  const dirs: string[] = [];
  beforeAll(async () => {
    root = await rootWithBusybox();
    tmp = await tempDir("analyze");
    const ctx = await makeContext({ Dockerfile: WASTE });
    dirs.push(root, tmp, ctx);
    const res = await strata(root, ["build", "-q", "-t", "waste", ctx]);
    expect(res.exitCode, res.all).toBe(0);
    busyboxBytes = Number((await strata(root, ["history", "-H=false", "--format", "{{.Size}}", "busybox"])).stdout.trim());
    expect(busyboxBytes).toBeGreaterThan(1_000_000);
  });
  afterAll(() => cleanup(...dirs));

  it("10 MB written, 4 MB of it overwritten, the rest deleted: exactly 10 MB wasted, each copy attributed to both steps", async () => {
    const res = await strata(root, ["analyze", "--format", "json", "waste"]);
    expect(res.exitCode, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r.wastedBytes).toBe(10_000_000);
    expect(r.totalBytes).toBe(busyboxBytes + 14_000_000);
    expect(r.finalBytes).toBe(busyboxBytes + 4_000_000);
    expect(r.efficiency).toBeCloseTo((busyboxBytes + 4_000_000) / (busyboxBytes + 14_000_000), 12);
    expect(r.userWastedPercent).toBeCloseTo(10 / 14, 12);
    expect(r.layers.map((l: { size: number; wasted: number; superseded: number }) => [l.size, l.wasted, l.superseded])).toEqual([
      [busyboxBytes, 0, 0],
      [10_000_000, 10_000_000, 0],
      [4_000_000, 0, 4_000_000],
      [0, 0, 6_000_000],
    ]);
    expect(r.wasted).toEqual([
      { path: "/data/b", bytes: 6_000_000, how: "deleted", wroteStep: 1, wroteLayer: 1, byStep: 3, byLayer: 3 },
      { path: "/data/a", bytes: 4_000_000, how: "overwritten", wroteStep: 1, wroteLayer: 1, byStep: 2, byLayer: 2 },
    ]);
    const text = (await strata(root, ["analyze", "waste"])).stdout;
    expect(text).toContain("Wasted: 10MB");
    expect(text).toMatch(/6MB\s+deleted\s+\/data\/b\s+#2 RUN .*#4 RUN \/bin\/sh -c rm \/data\/b/);
  });

  it("a .dive-ci rule fails the gate (exit 1) and a Markdown summary says why; rules that hold pass (exit 0)", async () => {
    const cwd = await tempDir("dive-ci");
    dirs.push(cwd);
    const run = (args: string[]) => execa(CLI, ["--root", root, ...args], { cwd, reject: false });
    await writeFile(path.join(cwd, ".dive-ci"), "rules:\n  lowestEfficiency: 0.3\n  highestWastedBytes: 9MB\n  highestUserWastedPercent: disabled\n");
    const summary = path.join(cwd, "summary.md");
    const failed = await run(["analyze", "--ci", "--summary", summary, "waste"]);
    expect(failed.exitCode, failed.stderr).toBe(1);
    expect(failed.stdout).toMatch(/PASS\s+lowestEfficiency\s+0\.3/);
    expect(failed.stdout).toMatch(/FAIL\s+highestWastedBytes\s+9MB\s+wasted bytes 10000000 bytes exceeds 9MB/);
    expect(failed.stdout).toMatch(/SKIP\s+highestUserWastedPercent/);
    expect(failed.stdout).toContain("Result: FAIL [Total: 3] [Passed: 1] [Failed: 1] [Skipped: 1]");
    const md = await readFile(summary, "utf8");
    expect(md).toContain("## strata analyze `waste:latest` — FAIL");
    expect(md).toContain("| highestWastedBytes | 9MB | FAIL: wasted bytes 10000000 bytes exceeds 9MB |");
    expect(md).toContain("| 6MB | `/data/b` |");

    await writeFile(path.join(cwd, ".dive-ci"), "rules:\n  lowestEfficiency: 0.3\n  highestWastedBytes: 11MB\n  highestUserWastedPercent: 0.8\n");
    const passed = await run(["analyze", "--ci", "waste"]);
    expect(passed.exitCode, passed.stdout).toBe(0);
    expect(passed.stdout).toContain("Result: PASS");
    // A flag wins over the file; without --ci no rule is evaluated.
    expect((await run(["analyze", "--highest-user-wasted-percent", "0.5", "waste"])).exitCode).toBe(1);
    expect((await run(["analyze", "waste"])).exitCode).toBe(0);
    // dive's defaults fail this image (efficiency 0.9, user-wasted 0.1) and pass busybox.
    expect((await run(["analyze", "--ci", "--ci-config", "/dev/null", "waste"])).exitCode).toBe(1);
    expect((await run(["analyze", "--ci", "--ci-config", "/dev/null", "busybox"])).exitCode).toBe(0);
  });

  it("a bad rules file is an error (exit 2) and no summary is written", async () => {
    const bad = path.join(tmp, "bad-rules");
    await writeFile(bad, "rules:\n  biggestImage: 1\n");
    const summary = path.join(tmp, "never.md");
    const res = await strata(root, ["analyze", "--ci-config", bad, "--summary", summary, "waste"]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr.trim()).toBe(`error: ${bad}: unknown rule "biggestImage" (rules: lowestEfficiency, highestWastedBytes, highestUserWastedPercent)`);
    expect(existsSync(summary)).toBe(false);
  });
});
