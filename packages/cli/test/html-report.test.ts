import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, renderedDom, rowsOf, tagsWith } from "./chromium.js";
import { cleanup, makeContext, rootWithBusybox, strata, tempDir } from "./helpers.js";
import { existsSync } from "node:fs";

const DOCKERFILE = "FROM busybox\nCOPY a.txt /app/a.txt\nCOPY b.txt /app/b.txt\nRUN cat /app/*.txt > /app/all && head -c 3000 /dev/zero > /app/pad\nCMD [\"cat\", \"/app/all\"]\n";

describe("the HTML reports, rendered by headless Chromium (needs root + runc, chromium)", () => {
  let root: string;
  let tmp: string;
  const dirs: string[] = [];
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup.sh --test installs Debian's chromium`);
    root = await rootWithBusybox();
    tmp = await tempDir("html");
    const ctx = await makeContext({ Dockerfile: DOCKERFILE, "a.txt": "a\n", "b.txt": "b\n" });
    dirs.push(root, tmp, ctx);
    expect((await strata(root, ["build", "-q", "-t", "page:1", ctx])).exitCode).toBe(0);
    await writeFile(path.join(ctx, "b.txt"), "b, changed\n");
    expect((await strata(root, ["build", "-q", "-t", "page:2", ctx])).exitCode).toBe(0);
  });
  afterAll(() => cleanup(...dirs));

  it("compare --html: both stacks as bars sized by bytes, shared layers marked, the divergent step highlighted, file and config differences, a file table that filters", async () => {
    const file = path.join(tmp, "compare.html");
    const res = await strata(root, ["compare", "--html", file, "--format", "json", "page:1", "page:2"]);
    expect(res.exitCode, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout);
    const html = await readFile(file, "utf8");
    expect(html).not.toMatch(/\b(src|href)=|<link\b|@import|url\(/); // self-contained: nothing to fetch

    const dom = await renderedDom(file);
    expect(dom).toContain("<title>strata compare page:1 page:2</title>");
    expect(dom).toMatch(/<p class="verdict" data-identical="false">Different: history, layers, files, config<\/p>/);
    for (const side of ["a", "b"] as const) {
      const stack = dom.slice(dom.indexOf(`<div class="stack" data-side="${side}"`), dom.indexOf(`<div class="stack-label">${side.toUpperCase()}</div>`));
      const segs = tagsWith(stack, "div", /class="seg /);
      const rows = report.steps.filter((s: Record<string, { layer?: unknown }>) => s[side]?.layer);
      expect(segs).toHaveLength(report[side].layers);
      // Bars sized by bytes: each segment grows by its layer's DiffSize.
      expect(segs.map((s) => Number(/data-bytes="(\d+)"/.exec(s)![1]))).toEqual(rows.map((s: Record<string, { size: number }>) => s[side]!.size));
      expect(segs.map((s) => /flex-grow:(\d+)/.exec(s)![1])).toEqual(rows.map((s: Record<string, { size: number }>) => String(Math.max(1, s[side]!.size))));
      expect(segs.slice(0, 2).every((s) => s.includes('class="seg shared"'))).toBe(true);
      expect(segs[2]).toContain('class="seg divergent first-divergent"');
    }
    const first = rowsOf(dom, "steps-table").filter((r) => r.includes("first-divergent"));
    expect(first).toHaveLength(1);
    expect(first[0]).toContain("COPY b.txt /app/b.txt # buildkit");
    expect(dom).toMatch(/id="divergence">First divergent step \(#3\).*the same instruction with different inputs: <code>\/app\/b\.txt<\/code>/);

    const files = rowsOf(dom, "file-table");
    expect(files.map((r) => /<td class="path">([^<]*)<\/td>/.exec(r)![1])).toEqual(report.files.changes.map((c: { path: string }) => c.path));
    expect(files.some((r) => r.includes("hidden"))).toBe(false);
    expect(rowsOf(dom, "config-table").map((r) => /<td>([^<]*)<\/td>/.exec(r)![1])).toEqual(report.config.map((c: { field: string }) => c.field));

    // The search box filters the table (the URL fragment fills it in, as a link would).
    const filtered = await renderedDom(file, "#search=b.txt");
    const shown = rowsOf(filtered, "file-table").filter((r) => !/<tr[^>]*\bhidden\b/.test(r));
    expect(shown.map((r) => /<td class="path">([^<]*)<\/td>/.exec(r)![1])).toEqual(["/app/b.txt"]);
    expect(filtered).toContain(`1 of ${files.length} shown`);
    expect(filtered).toMatch(/<input[^>]*id="file-table-search"/);
  });

  it("analyze --html: the stack with each layer's wasted part, the layers and the wasted copies", async () => {
    const ctx = await makeContext({ Dockerfile: "FROM busybox\nRUN head -c 50000 /dev/urandom > /w && head -c 7000 /dev/urandom > /keep\nRUN rm /w\n" });
    dirs.push(ctx);
    expect((await strata(root, ["build", "-q", "-t", "wasteful", ctx])).exitCode).toBe(0);
    const file = path.join(tmp, "analyze.html");
    const res = await strata(root, ["analyze", "--html", file, "--ci", "--ci-config", "/dev/null", "wasteful"]);
    expect(res.exitCode).toBe(1);
    const dom = await renderedDom(file);
    expect(dom).toContain("<title>strata analyze wasteful:latest</title>");
    const segs = tagsWith(dom, "div", /class="seg /);
    expect(segs).toHaveLength(3);
    expect(segs.map((s) => /data-wasted="(\d+)"/.exec(s)![1])).toEqual(["0", "50000", "0"]);
    expect(dom).toMatch(/<div class="seg shared" data-layer="1"[^>]*><div class="waste" style="height:88%"><\/div><\/div>/);
    expect(dom).toMatch(/id="wasted">Wasted: 50kB in 1 superseded copy/);
    expect(dom).toMatch(/<li id="ci" data-pass="false">CI: FAIL/);
    const rows = rowsOf(dom, "file-table");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/<td class="path">\/w<\/td><td class="num">50kB<\/td><td>deleted<\/td>/);
  });
});
