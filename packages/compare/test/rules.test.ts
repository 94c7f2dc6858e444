import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnalyzeReport } from "../src/analyze/analyze.js";
import { parseBytes } from "../src/analyze/bytes.js";
import { evaluateRules, readRulesFile } from "../src/analyze/ci-rules.js";
import { pathFilter } from "../src/compare/path-filter.js";
import { diffConfigs } from "../src/compare/config-diff.js";
import { tempDir } from "./fixtures.js";

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.cleanup());

const report = (efficiency: number, wastedBytes: number, userWastedPercent: number) => ({ efficiency, wastedBytes, userWastedPercent }) as AnalyzeReport;

describe("dive's CI rules", () => {
  it("use dive's defaults: efficiency ≥ 0.9, user-wasted ratio ≤ 0.1, wasted bytes unchecked", () => {
    const ok = evaluateRules(report(0.95, 5e9, 0.05), {});
    expect(ok.pass).toBe(true);
    expect(ok.rules.map((r) => r.status)).toEqual(["pass", "skip", "pass"]);
    const bad = evaluateRules(report(0.5, 0, 0.5), {});
    expect(bad.pass).toBe(false);
    expect(bad.rules.map((r) => r.status)).toEqual(["fail", "skip", "fail"]);
  });

  it("compare strictly, as dive does", () => {
    expect(evaluateRules(report(0.9, 20_000_000, 0.1), { highestWastedBytes: "20MB" }).rules.map((r) => r.status)).toEqual(["pass", "pass", "pass"]);
    expect(evaluateRules(report(0.9, 20_000_001, 0.1), { highestWastedBytes: "20MB" }).rules[1]!.status).toBe("fail");
  });

  it("are disabled by '', disabled, off or false", () => {
    for (const v of ["", "disabled", "off", "false", "Off"]) {
      expect(evaluateRules(report(0, 1e12, 1), { lowestEfficiency: v, highestWastedBytes: v, highestUserWastedPercent: v }).rules.every((r) => r.status === "skip")).toBe(true);
    }
  });

  it("reject a threshold that is not a number or a size", () => {
    expect(() => evaluateRules(report(1, 0, 0), { lowestEfficiency: "high" })).toThrow(/lowestEfficiency: invalid threshold/);
    expect(() => evaluateRules(report(1, 0, 0), { highestWastedBytes: "lots" })).toThrow(/invalid byte size/);
  });

  it("read a .dive-ci file (camelCase, or dive.yaml's kebab-case), and refuse unknown rules", async () => {
    const f = path.join(tmp.dir, ".dive-ci");
    await writeFile(f, "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highest-user-wasted-percent: disabled\n");
    expect(await readRulesFile(f)).toEqual({ lowestEfficiency: "0.95", highestWastedBytes: "20MB", highestUserWastedPercent: "disabled" });
    await writeFile(f, "rules:\n  smallestImage: 1\n");
    await expect(readRulesFile(f)).rejects.toThrow(/unknown rule "smallestImage"/);
    await writeFile(f, "rules: [1, 2\n");
    await expect(readRulesFile(f)).rejects.toThrow(/not valid YAML/);
  });

  it("parse sizes as go-humanize does", () => {
    expect(parseBytes("20MB")).toBe(20_000_000);
    expect(parseBytes("19Mb")).toBe(19_000_000);
    expect(parseBytes("1GiB")).toBe(2 ** 30);
    expect(parseBytes("1.5 kB")).toBe(1500);
    expect(parseBytes("42")).toBe(42);
    expect(() => parseBytes("20 furlongs")).toThrow(/invalid byte size/);
  });
});

describe("--path", () => {
  it("matches a path, or anything under a directory it matches, with Go globs and **", () => {
    const f = pathFilter(["/etc", "usr/*/bin", "**/*.conf"]);
    expect(["/etc", "/etc/passwd", "/usr/local/bin", "/usr/local/bin/x", "/var/a/b.conf"].every(f)).toBe(true);
    expect(["/etcetera", "/usr/bin", "/var/a/b.txt"].some(f)).toBe(false);
    expect(pathFilter([])("/anything")).toBe(true);
    expect(() => pathFilter(["/a/[z-a]"])).toThrow(/--path \/a\/\[z-a\]: syntax error/);
  });
});

describe("config differences", () => {
  it("names env variables, labels, ports and volumes one by one, and the other fields whole", () => {
    const base = { architecture: "amd64", os: "linux", rootfs: { type: "layers" as const, diff_ids: [] } };
    const a = { ...base, created: "2020-01-01T00:00:00Z", config: { Env: ["PATH=/bin", "A=1"], Cmd: ["sh"], Labels: { x: "1" }, ExposedPorts: { "80/tcp": {} }, WorkingDir: "/" } };
    const b = { ...base, created: "2021-01-01T00:00:00Z", config: { Env: ["PATH=/bin", "B=2"], Entrypoint: ["/e"], Labels: { x: "2" }, Volumes: { "/data": {} }, User: "app", StopSignal: "SIGINT", Healthcheck: { Test: ["CMD", "true"] }, WorkingDir: "/" } };
    expect(diffConfigs(a, b)).toEqual([
      { field: "created", a: "2020-01-01T00:00:00Z", b: "2021-01-01T00:00:00Z" },
      { field: "Env", key: "A", a: "1" },
      { field: "Env", key: "B", b: "2" },
      { field: "Cmd", a: '["sh"]' },
      { field: "Entrypoint", b: '["/e"]' },
      { field: "User", b: "app" },
      { field: "StopSignal", b: "SIGINT" },
      { field: "Labels", key: "x", a: "1", b: "2" },
      { field: "ExposedPorts", key: "80/tcp", a: "present" },
      { field: "Volumes", key: "/data", b: "present" },
      { field: "Healthcheck", b: '{"Test":["CMD","true"]}' },
    ]);
    expect(diffConfigs(a, { ...a, created: "x" }, { ignoreTimestamps: true })).toEqual([]);
  });
});
