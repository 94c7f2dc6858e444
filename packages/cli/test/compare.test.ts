import { existsSync } from "node:fs";
import { mkdir, readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenImageArchive, writeDockerArchive, dir, file, type FileEntry } from "@strata/testkit";
import { cleanup, makeContext, rootWithBusybox, strata, tempDir } from "./helpers.js";

const DOCKERFILE = ["FROM busybox", "COPY a.txt /app/a.txt", "COPY b.txt /app/b.txt", "RUN cat /app/a.txt /app/b.txt > /app/all && mkdir /app/out && echo done > /app/out/done", 'CMD ["cat", "/app/all"]', ""].join("\n");

/** Added/removed/changed paths of two flattened images, compared independently of strata (testkit listings, no mtimes). */
function listingDiff(a: Map<string, FileEntry>, b: Map<string, FileEntry>): [string, string][] {
  const out: [string, string][] = [];
  const same = (x: FileEntry, y: FileEntry) => JSON.stringify(x) === JSON.stringify(y);
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(p);
    const y = b.get(p);
    if (!x) out.push([p, "added"]);
    else if (!y) out.push([p, "removed"]);
    else if (!same(x, y)) out.push([p, "changed"]);
  }
  return out;
}

describe("compare (needs root + runc)", () => {
  let root: string;
  let tmp: string;
  const dirs: string[] = [];
  beforeAll(async () => {
    root = await rootWithBusybox();
    tmp = await tempDir("compare");
    dirs.push(root, tmp);
  });
  afterAll(() => cleanup(...dirs));

  it("two builds of one Dockerfile where one copied file changed: names the step and the file, marks every later layer divergent, lists the files a testkit flattening lists", async () => {
    const ctx = await makeContext({ Dockerfile: DOCKERFILE, "a.txt": "aaa\n", "b.txt": "bbb\n" });
    dirs.push(ctx);
    expect((await strata(root, ["build", "-q", "-t", "two:1", ctx])).exitCode).toBe(0);
    await writeFile(path.join(ctx, "b.txt"), "bbb, changed\n");
    expect((await strata(root, ["build", "-q", "-t", "two:2", ctx])).exitCode).toBe(0);

    const res = await strata(root, ["compare", "--format", "json", "--ignore-timestamps", "two:1", "two:2"]);
    expect(res.exitCode, res.stderr).toBe(1);
    const r = JSON.parse(res.stdout);
    expect(r.firstDivergence).toMatchObject({ reason: "inputs", a: { createdBy: "COPY b.txt /app/b.txt # buildkit" }, b: { createdBy: "COPY b.txt /app/b.txt # buildkit" } });
    expect(r.firstDivergence.files).toEqual([{ path: "/app/b.txt", change: "changed", what: ["content"] }]);
    expect(r.firstDivergence.inputs).toEqual(["b.txt content changed"]);
    expect(r.steps.map((s: { status: string }) => s.status)).toEqual(["shared", "shared", "divergent", "divergent", "divergent"]);
    expect(r.sharedBase.layers).toBe(2);
    // Attribution: each change names the step whose layer last wrote it, on each side.
    const byPath = Object.fromEntries(r.files.changes.map((c: { path: string }) => [c.path, c]));
    expect(byPath["/app/b.txt"]).toMatchObject({ change: "changed", what: ["content"], a: { step: 2, size: 4 }, b: { step: 2, size: 13 } });
    expect(byPath["/app/all"]).toMatchObject({ a: { step: 3 }, b: { step: 3 } });

    for (const tag of ["two:1", "two:2"]) expect((await strata(root, ["save", "-o", path.join(tmp, `${tag.replace(":", "-")}.tar`), tag])).exitCode).toBe(0);
    const [fa, fb] = [await flattenImageArchive(path.join(tmp, "two-1.tar")), await flattenImageArchive(path.join(tmp, "two-2.tar"))];
    expect(r.files.changes.map((c: { path: string; change: string }) => [c.path, c.change])).toEqual(listingDiff(fa.files, fb.files));

    // Without --ignore-timestamps, the history times and the config's created time count too.
    const strict = JSON.parse((await strata(root, ["compare", "--format", "json", "two:1", "two:2"])).stdout);
    expect(strict.files.changes.map((c: { path: string }) => c.path)).toEqual(expect.arrayContaining(["/app/all", "/app/b.txt"]));
    expect(strict.differences).toEqual(["history", "layers", "files", "config"]);
    const only = await strata(root, ["compare", "--format", "json", "--ignore-timestamps", "--path", "/app/out", "two:1", "two:2"]);
    expect(JSON.parse(only.stdout).files.changes).toEqual([]);
  });

  it("images with different layer counts (one RUN inserted in the middle) align by instruction", async () => {
    const one = await makeContext({ Dockerfile: "FROM busybox\nCOPY a.txt /a.txt\nRUN echo x > /x\nRUN echo y > /y\nENV DONE=1\n", "a.txt": "a\n" });
    const two = await makeContext({ Dockerfile: "FROM busybox\nCOPY a.txt /a.txt\nRUN echo inserted > /i\nRUN echo x > /x\nRUN echo y > /y\nENV DONE=1\n", "a.txt": "a\n" });
    dirs.push(one, two);
    expect((await strata(root, ["build", "-q", "-t", "ins:1", one])).exitCode).toBe(0);
    expect((await strata(root, ["build", "-q", "-t", "ins:2", two])).exitCode).toBe(0);
    const r = JSON.parse((await strata(root, ["compare", "--format", "json", "ins:1", "ins:2"])).stdout);
    const rows = r.steps.map((s: { status: string; a?: { createdBy: string }; b?: { createdBy: string } }) => [s.status, s.a?.createdBy.replace(/^RUN \/bin\/sh -c | # buildkit$/g, ""), s.b?.createdBy.replace(/^RUN \/bin\/sh -c | # buildkit$/g, "")]);
    expect(rows.slice(1)).toEqual([
      ["shared", "COPY a.txt /a.txt", "COPY a.txt /a.txt"],
      ["only-b", undefined, "echo inserted > /i"],
      ["divergent", "echo x > /x", "echo x > /x"],
      ["divergent", "echo y > /y", "echo y > /y"],
      ["divergent", "ENV DONE=1", "ENV DONE=1"],
    ]);
    expect([r.a.layers, r.b.layers]).toEqual([4, 5]);
    expect(r.firstDivergence).toMatchObject({ reason: "only-b", b: { createdBy: "RUN /bin/sh -c echo inserted > /i # buildkit" } });
    expect(r.files.changes.filter((c: { change: string }) => c.change === "added").map((c: { path: string }) => c.path)).toEqual(["/i"]);
  });

  it("reads the same image from the store, a docker-archive, an OCI archive and an OCI layout directory", async () => {
    const ctx = await makeContext({ Dockerfile: "FROM busybox\nCOPY a.txt /a.txt\n", "a.txt": "a\n" });
    dirs.push(ctx);
    expect((await strata(root, ["build", "-q", "-t", "arch:1", ctx])).exitCode).toBe(0);
    const docker = path.join(tmp, "arch-docker.tar");
    const oci = path.join(tmp, "arch-oci.tar");
    const layout = path.join(tmp, "arch-layout");
    expect((await strata(root, ["save", "-o", docker, "arch:1"])).exitCode).toBe(0);
    expect((await strata(root, ["save", "--format", "oci", "-o", oci, "arch:1"])).exitCode).toBe(0);
    await mkdir(layout);
    await execa("tar", ["-xf", oci, "-C", layout]);
    for (const other of [`docker-archive:${docker}`, `oci-archive:${oci}`, `oci:${layout}`, docker]) {
      const res = await strata(root, ["compare", "arch:1", other]);
      expect(res.exitCode, `${other}: ${res.all}`).toBe(0);
      expect(res.stdout).toMatch(/\nIdentical$/);
    }
    const h = (await strata(root, ["history", "-q", `docker-archive:${docker}`])).stdout.trim().split("\n");
    expect(h).toEqual([(await strata(root, ["images", "-q", "arch:1"])).stdout.trim(), "<missing>"]);
    const sizes = async (ref: string) => (await strata(root, ["history", "-H=false", "--format", "{{.Size}}", ref])).stdout;
    expect(await sizes(`oci-archive:${oci}`)).toBe(await sizes("arch:1"));
  });

  describe("bad input: one clear line, exit 2, nothing written", () => {
    const html = () => path.join(tmp, "report.html");
    async function fails(args: string[], message: RegExp | string) {
      const res = await strata(root, [...args.slice(0, 1), "--html", html(), ...args.slice(1)]);
      expect(res.exitCode, res.all).toBe(2);
      expect(res.stdout).toBe("");
      const lines = res.stderr.trim().split("\n");
      expect(lines, res.stderr).toHaveLength(1);
      if (typeof message === "string") expect(lines[0]).toBe(message);
      else expect(lines[0]).toMatch(message);
      expect(existsSync(html())).toBe(false);
    }

    it("a truncated archive, a manifest whose digests do not match, an unknown image or transport, an image without history", async () => {
      const saved = path.join(tmp, "bad-src.tar");
      expect((await strata(root, ["save", "-o", saved, "busybox"])).exitCode).toBe(0);
      const cut = path.join(tmp, "cut.tar");
      await writeFile(cut, await readFile(saved));
      await truncate(cut, 3000);
      await fails(["compare", "busybox", `docker-archive:${cut}`], new RegExp(`^error: archive ${cut}: not a valid tar archive \\(truncated`));
      await fails(["analyze", `docker-archive:${cut}`], new RegExp(`^error: archive ${cut}: not a valid tar archive`));

      const tampered = path.join(tmp, "tampered.tar");
      const bytes = await readFile(saved);
      // One byte of the busybox binary's content: the tar still reads, its digests no longer match.
      const at = bytes.indexOf("BusyBox v");
      bytes.write("b", at);
      await writeFile(tampered, bytes);
      await fails(["compare", "busybox", `docker-archive:${tampered}`], /: layer 1 \(blobs\/sha256\/[0-9a-f]{64}\): digest mismatch: the manifest says sha256:[0-9a-f]{64}, the blob is sha256:[0-9a-f]{64}$/);

      await fails(["compare", "busybox", "no-such-image:1"], "error: image no-such-image:1: not found in the store");
      await fails(["compare", "busybox", "docker://busybox"], /^error: docker:\/\/busybox: transport "docker" is not supported/);
      await fails(["analyze", `oci:${tmp}/no-such-dir`], `error: ${tmp}/no-such-dir: no such directory`);

      const bare = path.join(tmp, "no-history.tar");
      await writeDockerArchive(bare, [[dir("etc/"), file("etc/x", "x")]], { history: null });
      await fails(["compare", "busybox", bare], `error: archive ${bare}: the image has no history (its config lists no history entries)`);
      const hist = await strata(root, ["history", bare]);
      expect([hist.exitCode, hist.stderr.trim()]).toEqual([2, `error: archive ${bare}: the image has no history (its config lists no history entries)`]);
    });

    it("usage errors exit 2 too", async () => {
      const res = await strata(root, ["compare", "busybox"]);
      expect(res.exitCode).toBe(2);
      expect(res.stderr).toMatch(/missing required argument 'b'/);
      expect((await strata(root, ["compare", "--format", "yaml", "busybox", "busybox"])).exitCode).toBe(2);
    });
  });
});
