import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { TestRegistry, freePort } from "@strata/testkit";
import { cleanup, makeContext, rootWithBusybox, storeProblems, strata, tempDir } from "./helpers.js";
import { completedUploads, dockerConfigDir, mounts, repoOf } from "./registry-helpers.js";

interface Metadata {
  "containerimage.digest": string;
  "containerimage.config.digest": string;
  "strata.steps": { instruction: string; key?: string; cached: boolean }[];
}

/** The steps with a cache key, by instruction (stages run concurrently: report order varies). */
const layerSteps = (m: Metadata) => m["strata.steps"].filter((s) => s.key).sort((a, b) => a.instruction.localeCompare(b.instruction));
const readMetadata = async (file: string): Promise<Metadata> => JSON.parse(await readFile(file, "utf8"));

// Needs root and runc; Debian's docker-registry runs on 127.0.0.1. Two empty store roots play two
// CI runners that share nothing but the registry.
describe("a registry cache shared by two CI runners", () => {
  let reg: TestRegistry;
  let env: Record<string, string>;
  let ctx: string;
  let base: string;
  let cacheRef: string;
  let metaA: Metadata;
  let rootC: string;
  const dirs: string[] = [];

  /** The manifest the registry holds for `ref`, and its layer digests. */
  const remoteManifest = async (ref: string) => {
    const [repo, tag] = [ref.slice(0, ref.lastIndexOf(":")), ref.slice(ref.lastIndexOf(":") + 1)];
    const res = await fetch(`${reg.url}/v2/${repo.slice(reg.host.length + 1)}/manifests/${tag}`, { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
    const m = (await res.json()) as { config: { digest: string }; layers: { digest: string }[] };
    return { config: m.config.digest, layers: m.layers.map((l) => l.digest) };
  };

  beforeAll(async () => {
    reg = await TestRegistry.start();
    env = { DOCKER_CONFIG: await dockerConfigDir() };
    dirs.push(env.DOCKER_CONFIG!);
    // The base image comes from the registry too: a runner starts with nothing.
    const seed = await rootWithBusybox();
    dirs.push(seed);
    base = `${repoOf(reg, "base")}/busybox:1`;
    expect((await strata(seed, ["tag", "busybox", base])).exitCode).toBe(0);
    const push = await strata(seed, ["push", base], { env });
    expect(push.exitCode, push.all).toBe(0);
    ctx = await makeContext({
      Dockerfile: [
        `FROM ${base} AS tool`,
        "RUN echo tool > /tool.txt",
        `FROM ${base}`,
        "RUN echo one > /one",
        "COPY --from=tool /tool.txt /tool.txt",
        "COPY app.txt /app.txt",
        "RUN cat /app.txt /one > /both",
        "ENV STAGE=final",
        'CMD ["cat", "/both"]',
        "",
      ].join("\n"),
      "app.txt": "version 1\n",
    });
    dirs.push(ctx);
    cacheRef = `${repoOf(reg, "ci")}/cache:main`;
  });

  afterAll(async () => {
    await reg?.remove();
    await cleanup(...dirs);
  });

  it("runner A builds, pushes, and exports its cache (mode=max) as one OCI image manifest", async () => {
    const rootA = await tempDir("runner-a");
    dirs.push(rootA);
    const meta = path.join(rootA, "..", `${path.basename(rootA)}.json`);
    dirs.push(meta);
    const a = await strata(rootA, ["build", "-t", `${repoOf(reg, "ci")}/app:1`, "--push", "--cache-to", `type=registry,ref=${cacheRef},mode=max`, "--metadata-file", meta, ctx], { env });
    expect(a.exitCode, a.all).toBe(0);
    expect(a.stderr).not.toMatch(/WARNING/);
    metaA = await readMetadata(meta);
    expect(layerSteps(metaA).every((s) => !s.cached)).toBe(true);
    const res = await fetch(`${reg.url}/v2/strata-registry-ci/cache/manifests/main`, { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
    expect(res.headers.get("content-type")).toBe("application/vnd.oci.image.manifest.v1+json");
    const cache = (await res.json()) as { artifactType: string; config: { mediaType: string }; layers: unknown[] };
    expect(cache.artifactType).toBe("application/vnd.strata.cache.v1");
    expect(cache.config.mediaType).toBe("application/vnd.strata.cache.config.v1+json");
    expect(cache.layers).toHaveLength(layerSteps(metaA).length); // mode=max: the tool stage's layer too
  });

  it("runner B, empty, rebuilds with --push: no step runs, no layer is downloaded, the same image digest", async () => {
    const rootB = await tempDir("runner-b");
    dirs.push(rootB);
    const meta = `${rootB}.json`;
    dirs.push(meta);
    const mark = reg.mark();
    const target = `${repoOf(reg, "ci")}/app-b:1`;
    const b = await strata(rootB, ["build", "-t", target, "--push", "--cache-from", `type=registry,ref=${cacheRef}`, "--metadata-file", meta, ctx], { env });
    expect(b.exitCode, b.all).toBe(0);
    const metaB = await readMetadata(meta);
    expect(layerSteps(metaB).map((s) => [s.instruction, s.cached])).toEqual(layerSteps(metaA).map((s) => [s.instruction, true]));
    expect(b.stderr.match(/CACHED/g)).toHaveLength(layerSteps(metaA).length);
    expect(metaB["containerimage.digest"]).toBe(metaA["containerimage.digest"]);
    expect(metaB["containerimage.config.digest"]).toBe(metaA["containerimage.config.digest"]);

    // The registry's own log: B downloaded only small documents (the cache config and the base
    // image's config), never a layer, and pushed by mounting the layers into the new repository.
    const pushed = await remoteManifest(target);
    const reqs = reg.requests(mark);
    const downloaded = reqs.filter((r) => r.method === "GET" && /\/blobs\/sha256:/.test(r.uri)).map((r) => r.uri.replace(/.*\/blobs\//, ""));
    expect(downloaded.filter((d) => pushed.layers.includes(d))).toEqual([]);
    expect(downloaded).toHaveLength(2);
    expect(mounts(reqs)).toHaveLength(pushed.layers.length);
    expect(completedUploads(reqs)).toEqual([pushed.config]);
    expect(b.stdout + b.stderr).toMatch(/Mounted from strata-registry-ci\/cache/);
    // Nothing of it is in B's store but manifests and configs; the image is not tagged there.
    const blobs = await readdir(path.join(rootB, "blobs/sha256"));
    expect(blobs.filter((h) => pushed.layers.includes(`sha256:${h}`))).toEqual([]);
    expect((await strata(rootB, ["images", "-q"])).stdout.trim()).toBe("");
    expect(await storeProblems(rootB)).toEqual([]);
  });

  it("a runner that needs a local image downloads only the final image's layers", async () => {
    rootC = await tempDir("runner-c");
    dirs.push(rootC);
    const mark = reg.mark();
    const tag = `${repoOf(reg, "ci")}/app:local`;
    const c = await strata(rootC, ["build", "-t", tag, "--cache-from", `type=registry,ref=${cacheRef}`, ctx], { env });
    expect(c.exitCode, c.all).toBe(0);
    const final = await remoteManifest(`${repoOf(reg, "ci")}/app:1`);
    const cache = await remoteManifest(cacheRef);
    const baseImage = await remoteManifest(base);
    // Each layer of the image once, plus the two small documents; the tool stage's layer (in
    // the cache, not in the image) stays in the registry.
    const downloaded = reg.blobDownloads(mark);
    expect(downloaded.sort()).toEqual([cache.config, baseImage.config, ...final.layers].sort());
    expect(cache.layers.filter((l) => !final.layers.includes(l))).toHaveLength(1);
    const inspect = JSON.parse((await strata(rootC, ["inspect", tag])).stdout)[0];
    expect(inspect.Id).toBe(metaA["containerimage.config.digest"]);
    expect(await storeProblems(rootC)).toEqual([]);
    // The image is whole: a build FROM it runs a step on its files.
    const next = await makeContext({ Dockerfile: `FROM ${tag}\nRUN grep -q "version 1" /both && test -s /tool.txt\n` });
    dirs.push(next);
    const use = await strata(rootC, ["build", next]);
    expect(use.exitCode, use.all).toBe(0);
  });

  it("after one file changes, only the steps from that COPY on run", async () => {
    await writeFile(path.join(ctx, "app.txt"), "version 2\n");
    const rootD = await tempDir("runner-d");
    dirs.push(rootD);
    const meta = `${rootD}.json`;
    dirs.push(meta);
    const d = await strata(rootD, ["build", "-t", `${repoOf(reg, "ci")}/app:2`, "--push", "--cache-from", `type=registry,ref=${cacheRef}`, "--metadata-file", meta, ctx], { env });
    expect(d.exitCode, d.all).toBe(0);
    const steps = layerSteps(await readMetadata(meta)).map((s) => [s.instruction.replace(/^\[[^\]]*\] /, ""), s.cached]);
    expect(steps.sort()).toEqual([
      ["RUN echo tool > /tool.txt", true],
      ["RUN echo one > /one", true],
      ["COPY --from=tool /tool.txt /tool.txt", true],
      ["COPY app.txt /app.txt", false],
      ["RUN cat /app.txt /one > /both", false],
    ].sort());
  });

  it("a push to another registry streams the cached layers across, through no store", async () => {
    const other = await TestRegistry.start();
    try {
      const rootF = await tempDir("runner-f");
      dirs.push(rootF);
      await writeFile(path.join(ctx, "app.txt"), "version 1\n");
      const target = `${other.host}/strata-registry-ci/app:1`;
      const f = await strata(rootF, ["build", "-t", target, "--push", "--cache-from", `type=registry,ref=${cacheRef}`, ctx], { env });
      expect(f.exitCode, f.all).toBe(0);
      const pushed = (await (await fetch(`${other.url}/v2/strata-registry-ci/app/manifests/1`, { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } })).json()) as { layers: { digest: string }[] };
      expect(pushed.layers.map((l) => l.digest)).toEqual((await remoteManifest(`${repoOf(reg, "ci")}/app:1`)).layers);
      const blobs = await readdir(path.join(rootF, "blobs/sha256"));
      expect(blobs.filter((h) => pushed.layers.some((l) => l.digest === `sha256:${h}`))).toEqual([]);
    } finally {
      await other.remove();
    }
  });

  it("a cache ref that does not exist is a warning, and the build goes on", async () => {
    const rootE = await rootWithBusybox();
    dirs.push(rootE);
    const small = await makeContext({ Dockerfile: "FROM busybox\nRUN echo x > /x\n" });
    dirs.push(small);
    const e = await strata(rootE, ["build", "--cache-from", `type=registry,ref=${repoOf(reg, "ci")}/cache:nosuch`, small], { env });
    expect(e.exitCode, e.all).toBe(0);
    expect(e.stderr).toMatch(/WARNING: cache import from .*cache:nosuch failed, building without it: .*manifest unknown/);
  });

  it("a cache export that fails warns and keeps the build green, unless ignore-error=false", async () => {
    const rootG = await rootWithBusybox();
    dirs.push(rootG);
    const small = await makeContext({ Dockerfile: "FROM busybox\nRUN echo y > /y\n" });
    dirs.push(small);
    const nowhere = `127.0.0.1:${await freePort()}/strata-registry-ci/cache:x`;
    const quick = { ...env, STRATA_REGISTRY_ATTEMPTS: "1" };
    const soft = await strata(rootG, ["build", "--cache-to", `type=registry,ref=${nowhere}`, small], { env: quick });
    expect(soft.exitCode, soft.all).toBe(0);
    expect(soft.stderr).toMatch(/WARNING: cache export to .* failed \(the build itself succeeded\): .*connection refused/);
    const hard = await strata(rootG, ["build", "--cache-to", `type=registry,ref=${nowhere},ignore-error=false`, small], { env: quick });
    expect(hard.exitCode).toBe(1);
    expect(hard.stderr).toMatch(/error: .*connection refused/);
  });

  it("with the registry down, a root that resolved the base before still builds FROM it, with a warning", async () => {
    await writeFile(path.join(ctx, "app.txt"), "version 1\n");
    await reg.stop();
    try {
      const c = await strata(rootC, ["build", "-t", `${repoOf(reg, "ci")}/app:offline`, ctx], { env: { ...env, STRATA_REGISTRY_ATTEMPTS: "1" } });
      expect(c.exitCode, c.all).toBe(0);
      expect(c.stderr).toMatch(new RegExp(`WARNING: ${base.replace(/[.]/g, "\\.")}: .*connection refused.*; using the manifest it resolved to last \\(sha256:`));
      expect(c.stderr.match(/CACHED/g)?.length).toBe(layerSteps(metaA).length);
    } finally {
      await reg.start();
    }
  });
});
