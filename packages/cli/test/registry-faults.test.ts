import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { open, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { FaultProxy, TestRegistry, freePort } from "@strata/testkit";
import { cleanup, makeContext, rootWithBusybox, storeProblems, strata, tempDir } from "./helpers.js";
import { completedUploads, digestIn, dockerConfigDir } from "./registry-helpers.js";

/** The one error line (and hint) a failed command printed: never a stack trace. */
function expectOneClearError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split("\n").filter((l) => !l.startsWith("hint:"));
  expect(lines.filter((l) => l.startsWith("error:")), stderr).toHaveLength(1);
  expect(lines.find((l) => l.startsWith("error:"))).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

// Needs root and runc; the registry is Debian's docker-registry on 127.0.0.1, the faults come from
// killing it, editing its storage, or a proxy in front of it that answers 429/503 or cuts replies.
describe("registry faults: one clear line, exit 1, a consistent store, and the next run succeeds", () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let env: Record<string, string>;
  let root: string;
  let big: string;
  const dirs: string[] = [];
  const via = (name: string, host = proxy.host) => `${host}/strata-registry-faults/${name}`;

  beforeAll(async () => {
    reg = await TestRegistry.start();
    proxy = await FaultProxy.start(reg.port);
    env = { DOCKER_CONFIG: await dockerConfigDir(), STRATA_REGISTRY_ATTEMPTS: "3" };
    root = await rootWithBusybox();
    const ctx = await makeContext({ Dockerfile: "FROM busybox\nCOPY big.bin /big.bin\n" });
    await writeFile(path.join(ctx, "big.bin"), randomBytes(24 << 20)); // incompressible: the blob stays big
    dirs.push(env.DOCKER_CONFIG!, root, ctx);
    big = via("big:1", reg.host);
    const build = await strata(root, ["build", "-q", "-t", big, ctx]);
    expect(build.exitCode, build.all).toBe(0);
  });

  // Each test starts with no fault and a running registry, whatever the one before left.
  beforeEach(async () => {
    proxy.rules.length = 0;
    if (!reg.running) await reg.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    await reg?.remove();
    await cleanup(...dirs);
  });

  it("an unknown host, a refused connection, an unknown tag", async () => {
    const unknown = await strata(root, ["pull", "nosuchhost.invalid:5000/x:1"], { env });
    expect(unknown.exitCode).toBe(1);
    expectOneClearError(unknown.stderr, /nosuchhost\.invalid:5000\/x:1: unknown host nosuchhost\.invalid/);
    const port = await freePort();
    const tagged = `127.0.0.1:${port}/strata-registry-faults/big:1`;
    expect((await strata(root, ["tag", big, tagged])).exitCode).toBe(0);
    const refused = await strata(root, ["push", tagged], { env: { ...env, STRATA_REGISTRY_ATTEMPTS: "1" } });
    expect(refused.exitCode).toBe(1);
    expectOneClearError(refused.stderr, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}`));
    expect(refused.stderr).toMatch(/hint: is the registry running/);
    const missing = await strata(root, ["pull", via("nosuch:9", reg.host)], { env });
    expect(missing.exitCode).toBe(1);
    expectOneClearError(missing.stderr, /strata-registry-faults\/nosuch:9: manifest unknown/);
  });

  it("a registry killed in the middle of a push: exit 1, then the next push completes", async () => {
    const name = via("killed-push:1");
    expect((await strata(root, ["tag", big, name])).exitCode).toBe(0);
    proxy.rules.push({ method: "PUT", path: /\/blobs\/uploads\//, action: { after: { requestBytes: 4 << 20 }, run: () => reg.kill() }, times: 1 });
    const push = await strata(root, ["push", name], { env });
    expect(push.exitCode).toBe(1);
    expectOneClearError(push.stderr, /push blob .* to 127\.0\.0\.1:\d+\/strata-registry-faults\/killed-push: connection to 127\.0\.0\.1:\d+ was reset/);
    expect(proxy.seen.some((s) => s.fault?.startsWith("ran after"))).toBe(true);
    await reg.start();
    const mark = reg.mark();
    const again = await strata(root, ["push", name], { env });
    expect(again.exitCode, again.all).toBe(0);
    expect(completedUploads(reg.requests(mark)).length).toBeGreaterThan(0);
    const fresh = await tempDir("after-kill");
    dirs.push(fresh);
    const pull = await strata(fresh, ["pull", name], { env });
    expect(pull.exitCode, pull.all).toBe(0);
    expect(digestIn(pull.stdout)).toBe(digestIn(again.stdout));
  });

  it("a registry killed in the middle of a pull leaves no partial blob; the next pull completes", async () => {
    const name = via("killed-pull:1");
    expect((await strata(root, ["tag", big, name])).exitCode).toBe(0);
    expect((await strata(root, ["push", name], { env })).exitCode).toBe(0);
    const fresh = await tempDir("killed-pull");
    dirs.push(fresh);
    proxy.rules.push({ method: "GET", path: /\/blobs\/sha256:/, action: { after: { responseBytes: 2 << 20 }, run: () => reg.kill() }, times: 1 });
    const pull = await strata(fresh, ["pull", name], { env });
    expect(pull.exitCode).toBe(1);
    expectOneClearError(pull.stderr, /pull blob .* from 127\.0\.0\.1:\d+\/strata-registry-faults\/killed-pull: connection to .* was reset/);
    expect(await storeProblems(fresh)).toEqual([]);
    expect(await readdir(path.join(fresh, "ingest"))).toEqual([]);
    expect((await strata(fresh, ["images", "-q"])).stdout.trim()).toBe("");
    await reg.start();
    const again = await strata(fresh, ["pull", name], { env });
    expect(again.exitCode, again.all).toBe(0);
    expect(await storeProblems(fresh)).toEqual([]);
  });

  it("a dropped connection mid-blob is resumed with a Range request in the same pull", async () => {
    const name = via("resume:1");
    expect((await strata(root, ["tag", big, name])).exitCode).toBe(0);
    expect((await strata(root, ["push", name], { env })).exitCode).toBe(0);
    const fresh = await tempDir("resume");
    dirs.push(fresh);
    const before = proxy.seen.length;
    proxy.rules.push({ method: "GET", path: /\/blobs\/sha256:/, action: { resetAfterBytes: 3 << 20 }, times: 1 });
    const pull = await strata(fresh, ["pull", name], { env });
    expect(pull.exitCode, pull.all).toBe(0);
    const gets = proxy.seen.slice(before).filter((s) => s.method === "GET" && /\/blobs\/sha256:/.test(s.url));
    const cut = gets.findIndex((s) => s.fault?.startsWith("reset"));
    expect(cut).toBeGreaterThanOrEqual(0);
    // Resumed from what had arrived (at most what the proxy let through before the cut).
    const resumed = /^bytes=(\d+)-$/.exec(gets.slice(cut + 1).find((s) => s.url === gets[cut]!.url)?.range ?? "");
    expect(Number(resumed?.[1])).toBeGreaterThan(1 << 20);
    expect(Number(resumed?.[1])).toBeLessThanOrEqual(3 << 20);
    expect(await storeProblems(fresh)).toEqual([]);
  });

  it("a blob whose bytes were changed in the registry is rejected on pull, and nothing of it stored", async () => {
    const name = via("tampered:1", reg.host);
    expect((await strata(root, ["tag", big, name])).exitCode).toBe(0);
    const push = await strata(root, ["push", name], { env });
    expect(push.exitCode, push.all).toBe(0);
    const raw = JSON.parse(await (await fetch(`${reg.url}/v2/strata-registry-faults/tampered/manifests/1`, { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } })).text());
    const blob: string = raw.layers[1].digest;
    const file = path.join(reg.storage, "docker/registry/v2/blobs/sha256", blob.slice(7, 9), blob.slice(7), "data");
    const size = (await stat(file)).size;
    const fh = await open(file, "r+");
    try {
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, size >> 1);
      b[0] = b[0]! ^ 0xff;
      await fh.write(b, 0, 1, size >> 1);
    } finally {
      await fh.close();
    }
    const fresh = await tempDir("tampered");
    dirs.push(fresh);
    const pull = await strata(fresh, ["pull", name], { env });
    expect(pull.exitCode).toBe(1);
    expectOneClearError(pull.stderr, new RegExp(`pull blob ${blob} from 127\\.0\\.0\\.1:\\d+/strata-registry-faults/tampered: its content does not match that digest; rejected, nothing stored`));
    expect(await readdir(path.join(fresh, "blobs/sha256"))).not.toContain(blob.slice(7));
    expect(await readdir(path.join(fresh, "ingest"))).toEqual([]);
    expect(await storeProblems(fresh)).toEqual([]);
  });

  it("a malformed or oversized manifest is refused on one line", async () => {
    proxy.rules.push({ method: "GET", path: /\/manifests\/bad$/, action: { respond: 200, headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" }, body: "{not json" } });
    proxy.rules.push({ method: "GET", path: /\/manifests\/huge$/, action: { respond: 200, headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" }, body: `{"x":"${"a".repeat(5 << 20)}"}` } });
    const fresh = await tempDir("bad-manifest");
    dirs.push(fresh);
    const bad = await strata(fresh, ["pull", via("any:bad")], { env });
    expect(bad.exitCode).toBe(1);
    expectOneClearError(bad.stderr, /strata-registry-faults\/any:bad: malformed manifest/);
    const huge = await strata(fresh, ["pull", via("any:huge")], { env });
    expect(huge.exitCode).toBe(1);
    expectOneClearError(huge.stderr, /strata-registry-faults\/any:huge: manifest too large \(over 4 MiB\)/);
  });

  it("429 with Retry-After and a 503 are waited out and retried", async () => {
    const name = via("busy:1");
    expect((await strata(root, ["tag", "busybox", name])).exitCode).toBe(0);
    const before = proxy.seen.length;
    proxy.rules.push({ method: "PUT", path: /\/manifests\/1$/, action: { respond: 429, headers: { "retry-after": "1" } }, times: 1 });
    proxy.rules.push({ method: "HEAD", path: /\/blobs\/sha256:/, action: { respond: 503 }, times: 1 });
    const started = Date.now();
    const push = await strata(root, ["push", name], { env });
    expect(push.exitCode, push.all).toBe(0);
    const seen = proxy.seen.slice(before);
    const limited = seen.find((s) => s.fault === "respond 429")!;
    const retried = seen.find((s) => s.method === "PUT" && /manifests\/1$/.test(s.url) && !s.fault)!;
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(seen.some((s) => s.fault === "respond 503")).toBe(true);

    proxy.rules.push({ method: "GET", path: /\/manifests\/1$/, action: { respond: 429, headers: { "retry-after": "1" } }, times: 1 });
    const fresh = await tempDir("busy-pull");
    dirs.push(fresh);
    const pull = await strata(fresh, ["pull", name], { env });
    expect(pull.exitCode, pull.all).toBe(0);
    expect(await readFile(path.join(fresh, "index.json"), "utf8")).toContain("strata-registry-faults/busy:1");
  });
});
