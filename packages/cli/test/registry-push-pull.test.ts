import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { DOCKER, TestRegistry, dockerBuild, dockerRemoveImage, ensureBusyboxInDocker } from "@strata/testkit";
import { BUSYBOX, cleanup, makeContext, rootWithBusybox, storeProblems, strata, tempDir } from "./helpers.js";
import { completedUploads, digestIn, dockerConfigDir, mounts, repoOf, uploadRequests } from "./registry-helpers.js";

// Needs root, runc and Docker (the oracle); Debian's docker-registry runs on 127.0.0.1.
const skipDocker = process.env.STRATA_SKIP_DOCKER === "1";
const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch] ?? process.arch;

describe("push and pull against a plain docker-registry on 127.0.0.1", () => {
  let reg: TestRegistry;
  let env: Record<string, string>;
  const dirs: string[] = [];
  const dockerImages: string[] = [];
  let root: string;
  let ctx: string;
  let app: string;
  let pushedDigest: string;
  let imageId: string;

  beforeAll(async () => {
    reg = await TestRegistry.start();
    env = { DOCKER_CONFIG: await dockerConfigDir() };
    dirs.push(env.DOCKER_CONFIG!);
    root = await rootWithBusybox();
    ctx = await makeContext({
      Dockerfile: "FROM busybox\nCOPY app.txt /app/app.txt\nRUN echo built-by-strata > /app/made && chmod 640 /app/made\nCMD [\"cat\", \"/app/made\"]\n",
      "app.txt": "hello registry\n",
    });
    dirs.push(root, ctx);
    app = `${repoOf(reg, "app")}:1`;
    const build = await strata(root, ["build", "-q", "-t", app, ctx]);
    expect(build.exitCode, build.all).toBe(0);
    imageId = build.stdout.trim();
  });

  afterAll(async () => {
    for (const image of dockerImages) await dockerRemoveImage(image).catch(() => {});
    await reg?.remove();
    await cleanup(...dirs);
  });

  it("push uploads every blob once, in Docker's words; a second push uploads nothing", async () => {
    const mark = reg.mark();
    const push = await strata(root, ["push", app], { env });
    expect(push.exitCode, push.all).toBe(0);
    expect(push.stdout).toContain(`The push refers to repository [${repoOf(reg, "app")}]`);
    expect(push.stdout).toMatch(/^[a-f0-9]{12}: Preparing$/m);
    expect(push.stdout.match(/: Pushed$/gm)).toHaveLength(3); // busybox, COPY, RUN
    pushedDigest = digestIn(push.stdout)!;
    expect(push.stdout).toMatch(new RegExp(`^1: digest: ${pushedDigest} size: \\d+$`, "m"));
    const first = reg.requests(mark);
    expect(completedUploads(first)).toHaveLength(4); // three layers and the config
    // Every upload was preceded by a HEAD of the same blob.
    for (const d of completedUploads(first)) expect(first.some((r) => r.method === "HEAD" && r.uri.endsWith(`/blobs/${d}`))).toBe(true);

    const again = reg.mark();
    const second = await strata(root, ["push", app], { env });
    expect(second.exitCode, second.all).toBe(0);
    expect(second.stdout.match(/: Layer already exists$/gm)).toHaveLength(3);
    expect(digestIn(second.stdout)).toBe(pushedDigest);
    const reqs = reg.requests(again);
    expect(uploadRequests(reqs)).toEqual([]);
    expect(reqs.filter((r) => r.method === "POST")).toEqual([]);
  });

  it("rmi then pull gives the same image ID and manifest digest, verified and complete", async () => {
    const rmi = await strata(root, ["rmi", app]);
    expect(rmi.exitCode, rmi.all).toBe(0);
    const fresh = await tempDir("pull-root");
    dirs.push(fresh);
    for (const r of [root, fresh]) {
      const pull = await strata(r, ["pull", app], { env });
      expect(pull.exitCode, pull.all).toBe(0);
      expect(pull.stdout).toContain(`1: Pulling from strata-registry-app`);
      expect(pull.stdout).toContain(`Digest: ${pushedDigest}`);
      expect(pull.stdout).toContain(`Status: Downloaded newer image for ${app}`);
      expect(pull.stdout.trim().split("\n").at(-1)).toBe(app);
      const inspect = JSON.parse((await strata(r, ["inspect", app])).stdout)[0];
      expect(inspect.Id).toBe(imageId);
      // Docker's RepoDigests and `images --digests` column.
      expect(inspect.RepoDigests).toEqual([`${repoOf(reg, "app")}@${pushedDigest}`]);
      const digests = await strata(r, ["images", "--digests", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}", repoOf(reg, "app")]);
      expect(digests.stdout.trim()).toBe(`${app} ${pushedDigest}`);
      expect(await storeProblems(r)).toEqual([]);
    }
    // The pulled image is usable: a build FROM it runs a step on its files.
    const next = await makeContext({ Dockerfile: `FROM ${app}\nRUN cat /app/app.txt /app/made > /both\n` });
    dirs.push(next);
    let mark = reg.mark();
    const build = await strata(fresh, ["build", "-t", "strata-registry-next", next], { env });
    expect(build.exitCode, build.all).toBe(0);
    // FROM an image the store has does not ask the registry; --pull does.
    const manifestGets = (since: number) => reg.requests(since).filter((q) => q.method === "GET" && q.uri.endsWith("/strata-registry-app/manifests/1"));
    expect(manifestGets(mark)).toEqual([]);
    mark = reg.mark();
    const pulled = await strata(fresh, ["build", "--pull", "-t", "strata-registry-next", next], { env });
    expect(pulled.exitCode, pulled.all).toBe(0);
    expect(manifestGets(mark)).toHaveLength(1);
    const again = await strata(fresh, ["pull", app], { env });
    expect(again.stdout).toContain(`Status: Image is up to date for ${app}`);
    expect(again.stdout).not.toMatch(/Pulling fs layer|Already exists/);
  });

  it("pull --platform must match a single-platform image, as in Docker; -q prints only the name", async () => {
    const r = await tempDir("platform-root");
    dirs.push(r);
    const wrong = await strata(r, ["pull", "--platform", "linux/s390x", app], { env });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain(`image with reference ${app} was found but does not match the specified platform: wanted linux/s390x, actual: linux/${arch}`);
    const quiet = await strata(r, ["pull", "-q", "--platform", `linux/${arch}`, app], { env });
    expect(quiet.exitCode, quiet.all).toBe(0);
    expect(quiet.stdout).toBe(app);
  });

  it("a second image on the same base uploads only its new layers; another repository mounts the shared ones", async () => {
    const ctx2 = await makeContext({ Dockerfile: "FROM busybox\nRUN echo second > /second\n" });
    dirs.push(ctx2);
    const second = `${repoOf(reg, "app")}:2`;
    expect((await strata(root, ["build", "-q", "-t", second, ctx2])).exitCode).toBe(0);
    let mark = reg.mark();
    const push = await strata(root, ["push", second], { env });
    expect(push.exitCode, push.all).toBe(0);
    expect(push.stdout.match(/: Layer already exists$/gm)).toHaveLength(1);
    expect(push.stdout.match(/: Pushed$/gm)).toHaveLength(1);
    expect(completedUploads(reg.requests(mark))).toHaveLength(2); // the RUN layer and the config

    const other = `${repoOf(reg, "other")}:1`;
    expect((await strata(root, ["tag", app, other])).exitCode).toBe(0);
    mark = reg.mark();
    const toOther = await strata(root, ["push", other], { env });
    expect(toOther.exitCode, toOther.all).toBe(0);
    expect(toOther.stdout.match(/: Mounted from strata-registry-app$/gm)).toHaveLength(3);
    const reqs = reg.requests(mark);
    expect(mounts(reqs)).toHaveLength(3);
    expect(completedUploads(reqs)).toHaveLength(1); // only the config, which Docker also uploads
    expect(digestIn(toOther.stdout)).toBe(pushedDigest);
  });

  it("--compression zstd pushes zstd layers; a gzip push of the same layers gives the first digest again", async () => {
    // The pulled image keeps the registry's gzip blobs; a build of the same context has the
    // store's uncompressed layers again, which a push compresses.
    const rebuilt = `${repoOf(reg, "app")}:rebuilt`;
    expect((await strata(root, ["build", "-q", "-t", rebuilt, ctx])).exitCode).toBe(0);
    const push = await strata(root, ["push", "--compression", "zstd", rebuilt], { env });
    expect(push.exitCode, push.all).toBe(0);
    const zstdDigest = digestIn(push.stdout)!;
    expect(zstdDigest).not.toBe(pushedDigest);
    const raw = await execa("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${rebuilt}`]);
    const manifest = JSON.parse(raw.stdout);
    expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual(Array(3).fill("application/vnd.oci.image.layer.v1.tar+zstd"));
    // Two roots that never pushed (nothing remembered) build the same layers (SOURCE_DATE_EPOCH
    // makes the RUN layer reproducible) and compress them to the same bytes: the second finds
    // every blob in the registry already, before sending any, and gets the same digest.
    const sde = `${repoOf(reg, "app")}:sde`;
    const digests: string[] = [];
    let mark = 0;
    for (const n of [1, 2]) {
      const r = await rootWithBusybox();
      dirs.push(r);
      expect((await strata(r, ["build", "-q", "-t", sde, ctx], { env: { SOURCE_DATE_EPOCH: "1700000000" } })).exitCode).toBe(0);
      mark = reg.mark();
      const p = await strata(r, ["push", sde], { env });
      expect(p.exitCode, p.all).toBe(0);
      digests.push(digestIn(p.stdout)!);
      if (n === 2) {
        expect(p.stdout.match(/: Layer already exists$/gm)).toHaveLength(3);
        expect(uploadRequests(reg.requests(mark))).toEqual([]);
      }
    }
    expect(digests[1]).toBe(digests[0]);
    expect(uploadRequests(reg.requests(mark))).toEqual([]);
  });

  it("skopeo inspect reads strata's manifest and config", async () => {
    const raw = JSON.parse((await execa("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${app}`])).stdout);
    expect(raw.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    const info = JSON.parse((await execa("skopeo", ["inspect", "--tls-verify=false", `docker://${app}`])).stdout);
    expect(info.Digest).toBe(pushedDigest);
    expect(info.Layers).toEqual(raw.layers.map((l: { digest: string }) => l.digest));
    const config = JSON.parse((await execa("skopeo", ["inspect", "--config", "--tls-verify=false", `docker://${app}`])).stdout);
    expect(config.config.Cmd).toEqual(["cat", "/app/made"]);
  });

  it.skipIf(skipDocker)("docker pulls and runs what strata pushed", async () => {
    await ensureBusyboxInDocker();
    dockerImages.push(app);
    const pull = await execa(DOCKER, ["pull", app], { reject: false, all: true });
    expect(pull.exitCode, pull.all).toBe(0);
    expect(pull.stdout).toContain(`Digest: ${pushedDigest}`);
    const run = await execa(DOCKER, ["run", "--rm", "--network", "none", app], { reject: false, all: true });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout.trim()).toBe("built-by-strata");
    const id = (await execa(DOCKER, ["image", "inspect", "-f", "{{.Id}}", app])).stdout.trim();
    expect(id).toBe(imageId);
  });

  it.skipIf(skipDocker)("strata pulls and builds FROM what docker push and skopeo copy --format oci pushed", async () => {
    await ensureBusyboxInDocker();
    const dctx = await makeContext({ Dockerfile: "FROM busybox\nRUN echo from-docker > /docker.txt\n" });
    dirs.push(dctx);
    const fromDocker = `${repoOf(reg, "docker")}:1`;
    dockerImages.push(fromDocker);
    await dockerBuild(dctx, { tag: fromDocker });
    const dpush = await execa(DOCKER, ["push", fromDocker], { reject: false, all: true });
    expect(dpush.exitCode, dpush.all).toBe(0);
    const fromSkopeo = `${repoOf(reg, "skopeo")}:1`;
    const copy = await execa("skopeo", ["copy", "--format", "oci", "--dest-tls-verify=false", `docker-archive:${BUSYBOX}`, `docker://${fromSkopeo}`], { reject: false, all: true });
    expect(copy.exitCode, copy.all).toBe(0);
    const skopeoManifest = JSON.parse((await execa("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${fromSkopeo}`])).stdout);
    expect(skopeoManifest.mediaType ?? skopeoManifest.config.mediaType).toMatch(/oci/);

    const r = await tempDir("interop-root");
    dirs.push(r);
    for (const [name, file] of [[fromDocker, "/docker.txt"], [fromSkopeo, "/bin/busybox"]] as const) {
      const pull = await strata(r, ["pull", name], { env });
      expect(pull.exitCode, pull.all).toBe(0);
      const b = await makeContext({ Dockerfile: `FROM ${name}\nRUN test -s ${file} && echo ok > /checked\n` });
      dirs.push(b);
      const build = await strata(r, ["build", "-t", `strata-registry-check-${path.basename(b).toLowerCase()}`, b]);
      expect(build.exitCode, build.all).toBe(0);
    }
    // docker push wrote a Docker schema 2 manifest; strata kept it byte for byte (same digest).
    const ddigest = digestIn(dpush.stdout)!;
    const entries = await readdir(path.join(r, "blobs/sha256"));
    expect(entries).toContain(ddigest.slice(7));
    expect(await storeProblems(r)).toEqual([]);
  });
});
