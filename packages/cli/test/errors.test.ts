import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { cleanup, makeContext, rootWithBusybox, strata, tempDir } from "./helpers.js";

const noStackTrace = (out: string) => expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe("bad input gives one clear error with the Dockerfile location (needs root + runc)", () => {
  let root: string;
  beforeAll(async () => {
    root = await rootWithBusybox();
  });
  afterAll(() => cleanup(root));

  const build = async (dockerfile: string, files: Record<string, string> = {}) => {
    const ctx = await makeContext({ Dockerfile: dockerfile, ...files });
    const res = await strata(root, ["build", "--progress", "plain", ctx]);
    await cleanup(ctx);
    return res;
  };

  it("a syntax error names the line, shows it, suggests the instruction", async () => {
    const res = await build("FROM busybox\nFORM busybox\n");
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain("Dockerfile:2: unknown instruction: FORM");
    expect(res.stderr).toContain("did you mean FROM?");
    expect(res.stderr).toContain(">>> FORM busybox");
    noStackTrace(res.all);
  });

  it("a failing RUN shows its output and exit code", async () => {
    const res = await build("FROM busybox\nRUN echo output-before-failure && exit 3\n");
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain("output-before-failure");
    expect(res.stderr).toContain("exit code: 3");
    expect(res.stderr).toContain("Dockerfile:2:");
    noStackTrace(res.all);
  });

  it("an unknown base image is named, with how to get it", async () => {
    const res = await build("FROM nosuchimage:1.0\nRUN true\n");
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain("Dockerfile:1:");
    expect(res.stderr).toContain("nosuchimage:1.0");
    expect(res.stderr).toMatch(/strata load/);
    noStackTrace(res.all);
  });

  it("an unknown --target lists the stages", async () => {
    const ctx = await makeContext({ Dockerfile: "FROM busybox AS one\nFROM busybox AS two\n" });
    const res = await strata(root, ["build", "--target", "three", ctx]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain("three");
    expect(res.stderr).toContain("one, two");
    await cleanup(ctx);
  });

  it("a missing COPY source names the file and the line", async () => {
    const res = await build("FROM busybox\nCOPY missing.txt /app/\n");
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain("Dockerfile:2:");
    expect(res.stderr).toContain("missing.txt");
    noStackTrace(res.all);
  });

  it("a COPY source outside the context never reads outside it", async () => {
    const res = await build("FROM busybox\nCOPY ../../../../etc/hostname /x\n");
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain("Dockerfile:2:");
    noStackTrace(res.all);
  });

  it("a missing Dockerfile is reported plainly", async () => {
    const ctx = await makeContext({ "a.txt": "a" });
    const res = await strata(root, ["build", ctx]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/Dockerfile: no such file/);
    await cleanup(ctx);
  });

  it("an unwritable root is reported plainly", async () => {
    const dir = await tempDir("file");
    const file = path.join(dir, "not-a-dir");
    await writeFile(file, "x");
    const ctx = await makeContext({ Dockerfile: "FROM scratch\nENV A=1\n" });
    const res = await strata(path.join(file, "root"), ["build", ctx]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(path.join(file, "root"));
    noStackTrace(res.all);
    await cleanup(dir, ctx);
  });
});
