import { createHash } from "node:crypto";
import { stat, readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchUrl, filenameFromUrl } from "./fetch-url.js";
import { tempDir } from "./testsuite/fixtures.js";

const BODY = Buffer.alloc(3 * 1024 * 1024, "z");
const SHA = createHash("sha256").update(BODY).digest("hex");
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith("/missing")) return void res.writeHead(404).end();
    if (req.url?.startsWith("/moved")) return void res.writeHead(302, { Location: "/dl/final.bin" }).end();
    res.writeHead(200, { "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT", "Content-Disposition": 'attachment; filename="other.bin"' });
    res.end(BODY);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("fetchUrl", () => {
  it("streams to a 0600 file named from the URL path, with Last-Modified as mtime", async () => {
    const f = await fetchUrl(`${base}/dl/tool.tar.gz?x=1`, { destDir: await tempDir(), checksum: `sha256:${SHA}` });
    expect(f.filename).toBe("tool.tar.gz");
    const st = await stat(f.path);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(BODY.length);
    expect(f.mtime?.toISOString()).toBe("2015-10-21T07:28:00.000Z");
    expect(st.mtimeMs).toBe(Date.parse("2015-10-21T07:28:00Z"));
    expect((await readFile(f.path)).equals(BODY)).toBe(true);
  });

  it("fails on a checksum mismatch and a bad status", async () => {
    const destDir = await tempDir();
    await expect(fetchUrl(`${base}/f`, { destDir, checksum: `sha256:${"0".repeat(64)}` })).rejects.toThrow(/digest mismatch.*expected sha256:0{64}, got sha256:/);
    await expect(fetchUrl(`${base}/f`, { destDir, checksum: "md5:abc" })).rejects.toThrow(/invalid --checksum/);
    await expect(fetchUrl(`${base}/missing`, { destDir })).rejects.toThrow(/invalid response status 404/);
  });

  it("follows redirects, naming the file from the URL asked for (as Docker does)", async () => {
    const f = await fetchUrl(`${base}/moved/asked.bin`, { destDir: await tempDir() });
    expect(f.filename).toBe("asked.bin");
    expect(f.digest).toBe(`sha256:${SHA}`);
  });

  it("trusts the extra CAs the launcher hands over in STRATA_EXTRA_CA_CERTS (and only then a self-signed server)", async () => {
    const dir = await tempDir();
    const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const tls = createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (_req, res) => res.end(BODY));
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/secure.bin`;
    const saved = process.env.STRATA_EXTRA_CA_CERTS;
    try {
      delete process.env.STRATA_EXTRA_CA_CERTS;
      await expect(fetchUrl(url, { destDir: dir })).rejects.toThrow(/cannot download.*self.signed/i);
      process.env.STRATA_EXTRA_CA_CERTS = cert;
      expect((await fetchUrl(url, { destDir: dir })).digest).toBe(`sha256:${SHA}`);
    } finally {
      if (saved === undefined) delete process.env.STRATA_EXTRA_CA_CERTS;
      else process.env.STRATA_EXTRA_CA_CERTS = saved;
      await new Promise<void>((r) => tls.close(() => r()));
    }
  });

  it("names files like Docker", () => {
    expect(filenameFromUrl("https://x.org/a/b.txt")).toBe("b.txt");
    expect(filenameFromUrl("https://x.org/a/dir/")).toBe("dir");
    expect(filenameFromUrl("https://x.org")).toBe("__unnamed__");
    expect(filenameFromUrl("https://x.org/my%20file")).toBe("my file");
  });
});
