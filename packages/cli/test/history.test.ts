import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, cleanup, makeContext, rootWithBusybox, storeProblems, strata } from "./helpers.js";

const example = path.join(REPO, "examples/cow-test");
const idOf = async (root: string, ref: string) => (await strata(root, ["inspect", "-f", "{{.Id}}", ref])).stdout.trim();
const short = (id: string) => id.replace("sha256:", "").slice(0, 12);
const indexEntries = async (root: string) => JSON.parse(await readFile(path.join(root, "index.json"), "utf8")).manifests.length as number;

describe("history: an image per built step, as the legacy builder kept them (needs root + runc)", () => {
  let root: string;
  const dirs: string[] = [];
  beforeAll(async () => {
    root = await rootWithBusybox();
    dirs.push(root);
    for (const [file, tag] of [["Dockerfile.base", "acme/my-base-image:1.0"], ["Dockerfile", "acme/my-final-image:1.0"]]) {
      const res = await strata(root, ["build", "-t", tag!, "-f", path.join(example, file!), example]);
      expect(res.exitCode, res.all).toBe(0);
    }
  });
  afterAll(() => cleanup(...dirs));

  it("after the cow-test demo, the final image's history shows the base image's ID on its COPY step", async () => {
    const res = await strata(root, ["history", "--format", "{{.ID}}\t{{.CreatedBy}}", "acme/my-final-image:1.0"]);
    expect(res.exitCode, res.all).toBe(0);
    expect(res.stdout.trim().split("\n")).toEqual([
      `${short(await idOf(root, "acme/my-final-image:1.0"))}\tCMD ["/bin/sh" "-c" "/app/hello.sh"]`,
      `${short(await idOf(root, "acme/my-base-image:1.0"))}\tCOPY . /app # buildkit`,
      `${short(await idOf(root, "busybox"))}\tstrata testkit: busybox-static /bin/busybox …`,
    ]);
    const table = (await strata(root, ["history", "acme/my-final-image:1.0"])).stdout.split("\n");
    expect(table[0]!.split(/\s{2,}/)).toEqual(["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT", "LAYER"]);
    expect(table[2]).toMatch(/COPY \. \/app # buildkit\s+114B\s+buildkit\.dockerfile\.v0\s+[0-9a-f]{12}$/);
  });

  it("compare reports the base image's layers as the shared base, then the one metadata-only step that differs", async () => {
    const res = await strata(root, ["compare", "--format", "json", "acme/my-base-image:1.0", "acme/my-final-image:1.0"]);
    expect(res.exitCode, res.stderr).toBe(1);
    const r = JSON.parse(res.stdout);
    expect(r.sharedBase).toMatchObject({ layers: 2, allOfA: true, allOfB: true });
    expect(r.firstDivergence).toMatchObject({ reason: "only-b", b: { createdBy: 'CMD ["/bin/sh" "-c" "/app/hello.sh"]', empty: true } });
    expect(r.steps.map((s: { status: string }) => s.status)).toEqual(["shared", "shared", "only-b"]);
    expect(r.files.changes).toEqual([]);
    expect(r.config).toContainEqual({ field: "Cmd", a: '["sh"]', b: '["/bin/sh","-c","/app/hello.sh"]' });
    const text = await strata(root, ["compare", "acme/my-base-image:1.0", "acme/my-final-image:1.0"]);
    expect(text.stdout).toContain("Shared base: 2 layers, 1.98MB (every layer of both)");
    expect(text.stdout).toContain("First divergent step: #3, only in B");
    expect((await strata(root, ["compare", "acme/my-final-image:1.0", "acme/my-final-image:1.0"])).exitCode).toBe(0);
  });

  it("step images are real images, hidden from images unless -a, never dangling, and a cached rebuild adds none", async () => {
    const ctx = await makeContext({ Dockerfile: "FROM busybox\nENV A=1\nRUN echo 1 > /f1\nRUN echo 2 > /f2\nLABEL x=y\n" });
    dirs.push(ctx);
    expect((await strata(root, ["build", "-q", "-t", "steps:1", ctx])).exitCode).toBe(0);
    const ids = (await strata(root, ["history", "-q", "--no-trunc", "steps:1"])).stdout.trim().split("\n");
    expect(ids).toHaveLength(5);
    expect(ids.every((id) => /^sha256:[0-9a-f]{64}$/.test(id))).toBe(true);
    const [final, run2, run1, env, busybox] = ids as [string, string, string, string, string];
    expect(final).toBe(await idOf(root, "steps:1"));
    expect(busybox).toBe(await idOf(root, "busybox"));
    const configOf = async (id: string) => JSON.parse((await strata(root, ["inspect", id])).stdout)[0];
    expect((await configOf(run2)).Parent).toBe(run1);
    expect((await configOf(run1)).RootFS.Layers).toHaveLength(2);
    expect((await configOf(env)).Config.Env).toContain("A=1");

    const listed = async (args: string[]) => (await strata(root, ["images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}", ...args])).stdout.trim().split("\n");
    expect(await listed([])).not.toContain(`${run1} <none>`);
    const all = await listed(["-a"]);
    for (const id of [run2, run1, env]) expect(all).toContain(`${id} <none>`);
    expect(await listed(["--filter", "dangling=true", "-a"])).toEqual([""]);

    // An untagged build is dangling; its step images still are not.
    const loose = await makeContext({ Dockerfile: "FROM steps:1\nRUN echo 3 > /f3\n" });
    dirs.push(loose);
    const looseId = (await strata(root, ["build", "-q", loose])).stdout.trim();
    expect(await listed(["--filter", "dangling=true"])).toEqual([`${looseId} <none>`]);
    expect(await listed(["--filter", "dangling=true", "-a"])).toEqual([`${looseId} <none>`]);

    // A step image can be built on.
    const onStep = await makeContext({ Dockerfile: `FROM ${run1}\nRUN test -f /f1 && ! test -f /f2\n` });
    dirs.push(onStep);
    expect((await strata(root, ["build", "-q", "-t", "onstep", onStep])).exitCode).toBe(0);

    const before = await indexEntries(root);
    expect((await strata(root, ["build", "-q", "-t", "steps:1", ctx])).stdout.trim()).toBe(final);
    expect(await indexEntries(root)).toBe(before);
  });

  it("rmi keeps a tagged parent untagged while an image is built on it, then removes the unused chain", async () => {
    const a = await makeContext({ Dockerfile: "FROM busybox\nENV STAGE=a\nRUN echo a > /a\n" });
    const b = await makeContext({ Dockerfile: "FROM chain:a\nRUN echo b > /b\n" });
    dirs.push(a, b);
    expect((await strata(root, ["build", "-q", "-t", "chain:a", a])).exitCode).toBe(0);
    expect((await strata(root, ["build", "-q", "-t", "chain:b", b])).exitCode).toBe(0);
    const [idA, idB] = [await idOf(root, "chain:a"), await idOf(root, "chain:b")];
    const envStep = (await strata(root, ["history", "-q", "--no-trunc", "chain:a"])).stdout.trim().split("\n")[1]!;

    const conflict = await strata(root, ["rmi", idA]);
    expect(conflict.exitCode).toBe(1);
    expect(conflict.stderr).toBe(`Error: conflict: unable to delete ${short(idA)} (cannot be forced) - image has dependent child images`);

    const untag = await strata(root, ["rmi", "chain:a"]);
    expect(untag.stdout).toBe("Untagged: chain:a");
    expect((await strata(root, ["images", "-a", "-q", "--no-trunc"])).stdout).toContain(idA);
    expect((await strata(root, ["history", "-q", "--no-trunc", "chain:b"])).stdout.split("\n")[1]).toBe(idA);

    const rmi = await strata(root, ["rmi", "chain:b"]);
    expect(rmi.exitCode, rmi.all).toBe(0);
    expect(rmi.stdout.split("\n")).toEqual(["Untagged: chain:b", `Deleted: ${idB}`, `Deleted: ${idA}`, `Deleted: ${envStep}`]);
    expect((await strata(root, ["inspect", "busybox"])).exitCode).toBe(0);
    expect(await storeProblems(root)).toEqual([]);
  });
});
