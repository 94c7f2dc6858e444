// bin/strata: the shell line moves NODE_EXTRA_CA_CERTS aside (start-up cost) and the bundle must
// still trust those CAs for `ADD https://…`; the V8 code cache beside the bundle is an
// optimisation only, so a corrupt one must not change behaviour.
import { execFileSync } from "node:child_process";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, REPO, cleanup, makeContext, strata, tempDir } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

describe("bin/strata launcher", () => {
  it("trusts NODE_EXTRA_CA_CERTS for ADD https:// although Node never loads it at start-up", async () => {
    const certs = await tempDir("certs");
    dirs.push(certs);
    const [key, cert] = [path.join(certs, "key.pem"), path.join(certs, "cert.pem")];
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const server = createServer({ key: await readFile(key), cert: await readFile(cert) }, (_req, res) => res.end("over tls\n"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/greeting.txt`;
      const ctx = await makeContext({ Dockerfile: `FROM scratch\nADD ${url} /greeting.txt\n` });
      const root = await tempDir("root");
      dirs.push(ctx, root);
      const untrusted = await strata(root, ["build", "-q", "--no-cache", ctx], { env: { NODE_EXTRA_CA_CERTS: "" } });
      expect(untrusted.exitCode).toBe(1);
      expect(untrusted.all).toMatch(/cannot download.*self.signed/i);
      const trusted = await strata(root, ["build", "-q", "-t", "tls", ctx], { env: { NODE_EXTRA_CA_CERTS: cert } });
      expect(trusted.all).toMatch(/^sha256:[a-f0-9]{64}$/m);
      expect(trusted.exitCode).toBe(0);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("runs the same with a missing or corrupt code cache, and rewrites it", async () => {
    // One cache per command; `--version` runs none.
    const cache = path.join(REPO, "packages/cli/dist/bundle/strata.cjs.none.v8-cache");
    await writeFile(cache, "not a V8 code cache");
    const version = execFileSync(CLI, ["--version"], { encoding: "utf8" });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const rewritten = await readFile(cache);
    expect(rewritten.toString("latin1", 0, 19)).not.toBe("not a V8 code cache");
    expect(rewritten.length).toBeGreaterThan(10_000);
  });

  it("keeps one code cache per command, made by that command's first run", async () => {
    const dir = path.join(REPO, "packages/cli/dist/bundle");
    const root = await tempDir("root");
    dirs.push(root);
    await rm(path.join(dir, "strata.cjs.images.v8-cache"), { force: true });
    const images = await strata(root, ["images"]);
    expect(images.exitCode).toBe(0);
    expect((await stat(path.join(dir, "strata.cjs.images.v8-cache"))).size).toBeGreaterThan(10_000);
  });
});
