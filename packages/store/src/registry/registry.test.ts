import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MediaType, canonicalJSON, sha256, type Descriptor, type Digest } from "@strata/core";
import { TestRegistry, TokenServer } from "@strata/testkit";
import { openStore, type Store } from "../index.js";
import { parseChallenges } from "./challenge.js";
import { RegistryClient } from "./client.js";
import { DockerCredentials } from "./credentials.js";
import { choosePlatform, pullImage } from "./pull.js";
import { retryAfterMs } from "./retry.js";

const bytesOf = (b: Buffer) => async function* () {
  yield b;
};

/** Uploads a config and one layer, then an image manifest over them; returns its descriptor. */
async function pushTinyImage(client: RegistryClient, repo: string, tag: string, arch = "amd64"): Promise<Descriptor> {
  const r = client.repository(repo);
  const layer = randomBytes(2048);
  const diffId = sha256(layer); // an uncompressed "layer": any bytes will do for the protocol
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [diffId] } }));
  for (const b of [layer, config]) await r.uploadBlob({ digest: sha256(b), size: b.length, open: bytesOf(b) });
  const manifest = Buffer.from(
    canonicalJSON({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length },
      layers: [{ mediaType: MediaType.ociLayer, digest: diffId, size: layer.length }],
    }),
  );
  const digest = await r.putManifest(tag, manifest, MediaType.ociManifest);
  return { mediaType: MediaType.ociManifest, digest, size: manifest.length };
}

describe("registry client against docker-registry (plain HTTP on 127.0.0.1)", () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let store: Store;
  let dir: string;

  beforeAll(async () => {
    reg = await TestRegistry.start();
    client = new RegistryClient({});
    dir = await mkdtemp(path.join(os.tmpdir(), "strata-registry-store-"));
    store = await openStore(dir);
  });
  afterAll(async () => {
    client?.close();
    await reg?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it("a monolithic upload is one POST and one PUT; a chunked one PATCHes Content-Range pieces", async () => {
    const r = client.repository(`${reg.host}/strata-registry-store/uploads`);
    const methods = (since: number) => reg.requests(since).filter((q) => q.uri !== "/v2/").map((q) => q.method);
    const small = randomBytes(1000);
    let mark = reg.mark();
    await r.uploadBlob({ digest: sha256(small), size: small.length, open: bytesOf(small) });
    expect(methods(mark)).toEqual(["POST", "PUT"]);
    const big = randomBytes((5 << 20) + 123);
    mark = reg.mark();
    const sent: number[] = [];
    const res = await r.uploadBlob({ open: bytesOf(big) }, { chunkSize: 1 << 20, onBytes: (n) => sent.push(n) });
    expect(res).toEqual({ digest: sha256(big), size: big.length });
    expect(methods(mark)).toEqual(["POST", "PATCH", "PATCH", "PATCH", "PATCH", "PATCH", "PATCH", "PUT"]);
    expect(sent.at(-1)).toBe(big.length);
    expect(await r.headBlob(sha256(big))).toBe(big.length);
    // The streamed form (unknown digest, one PATCH): what a push of a compressing layer uses.
    const streamed = randomBytes(300_000);
    mark = reg.mark();
    expect(await r.uploadBlob({ open: bytesOf(streamed) })).toEqual({ digest: sha256(streamed), size: streamed.length });
    expect(methods(mark)).toEqual(["POST", "PATCH", "PUT"]);
  });

  it("pull picks the platform from an OCI index and a Docker manifest list, or names the one missing", async () => {
    const repo = `${reg.host}/strata-registry-store/multi`;
    const amd = await pushTinyImage(client, repo, "amd64");
    const arm = await pushTinyImage(client, repo, "arm64", "arm64");
    const r = client.repository(repo);
    const entries = [
      { ...amd, platform: { os: "linux", architecture: "amd64" } },
      { ...arm, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
      { ...amd, platform: { os: "unknown", architecture: "unknown" } },
    ];
    for (const [tag, mediaType] of [["oci", MediaType.ociIndex], ["docker", MediaType.dockerManifestList]] as const) {
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries.map((e) => ({ ...e, mediaType: mediaType === MediaType.ociIndex ? MediaType.ociManifest : MediaType.dockerManifest })) }));
      const indexDigest = await r.putManifest(tag, index, mediaType);
      const got = await pullImage(store, `${repo}:${tag}`, { client, platform: { os: "linux", architecture: "arm64" } });
      expect(got.image.digest).toBe(indexDigest);
      expect(got.image.manifestDesc.digest).toBe(arm.digest);
      expect(got.image.config.architecture).toBe("arm64");
      expect((await store.images.get(`${repo}:${tag}`)).target.digest).toBe(arm.digest);
      await expect(pullImage(store, `${repo}:${tag}`, { client, platform: { os: "linux", architecture: "s390x" } })).rejects.toThrow(
        /no matching manifest for linux\/s390x in the manifest list entries/,
      );
    }
    expect(choosePlatform(entries, { os: "linux", architecture: "amd64" })?.digest).toBe(amd.digest);
  });

  it("a pull by digest is verified against it and kept without a tag", async () => {
    const repo = `${reg.host}/strata-registry-store/bydigest`;
    const desc = await pushTinyImage(client, repo, "v1");
    const got = await pullImage(store, `${repo}@${desc.digest}`, { client });
    expect(got.image.manifestDesc.digest).toBe(desc.digest);
    expect((await store.images.listAll()).some((e) => e.name === undefined && e.target.digest === desc.digest)).toBe(true);
  });
});

describe("Docker's token auth (Bearer) against docker-registry with a token server", () => {
  let reg: TestRegistry;
  let tokens: TokenServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "strata-token-"));
    tokens = await TokenServer.start(dir, { ci: "token-pass" });
    reg = await TestRegistry.start({ token: { realm: tokens.realm, service: "strata-test", issuer: tokens.issuer, rootCert: tokens.certFile } });
  });
  afterAll(async () => {
    await reg?.remove();
    await tokens?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("gets a token per scope set with Basic credentials, caches it, and mounts across repositories", async () => {
    const client = new RegistryClient({ credentials: { get: async () => ({ username: "ci", password: "token-pass" }) } });
    try {
      const desc = await pushTinyImage(client, `${reg.host}/strata-registry-token/a`, "1");
      const pushTokens = tokens.requests.filter((t) => t.scopes.includes("repository:strata-registry-token/a:pull,push"));
      expect(pushTokens.length).toBeGreaterThanOrEqual(1);
      expect(pushTokens.length).toBeLessThanOrEqual(2); // the first 401, then the cached token
      expect(pushTokens.every((t) => t.user === "ci" && t.service === "strata-test")).toBe(true);
      const manifest = await client.repository(`${reg.host}/strata-registry-token/a`).getManifest("1");
      expect(manifest.digest).toBe(desc.digest);
      const layer = JSON.parse(manifest.bytes.toString()).layers[0].digest as Digest;
      const b = client.repository(`${reg.host}/strata-registry-token/b`);
      expect(await b.mountBlob(layer, "strata-registry-token/a")).toEqual({ mounted: true });
      expect(tokens.requests.at(-1)?.scopes.sort()).toEqual(["repository:strata-registry-token/a:pull", "repository:strata-registry-token/b:pull,push"]);
    } finally {
      client.close();
    }
  });

  it("anonymous clients get pull-only tokens: pull works, push is denied with the login hint", async () => {
    const client = new RegistryClient({});
    try {
      const r = client.repository(`${reg.host}/strata-registry-token/a`);
      expect((await r.getManifest("1")).mediaType).toBe(MediaType.ociManifest);
      const blob = randomBytes(10);
      await expect(r.uploadBlob({ digest: sha256(blob), size: 10, open: bytesOf(blob) })).rejects.toThrow(/unauthorized|denied/);
      await r.uploadBlob({ digest: sha256(blob), size: 10, open: bytesOf(blob) }).catch((e: { hint?: string }) => {
        expect(e.hint).toContain(`strata login ${reg.host}`);
      });
      expect(tokens.requests.some((t) => t.user === undefined)).toBe(true);
    } finally {
      client.close();
    }
  });

  it("a wrong password fails at the token server, naming the registry", async () => {
    const client = new RegistryClient({ credentials: { get: async () => ({ username: "ci", password: "nope" }) } });
    try {
      await expect(client.repository(`${reg.host}/strata-registry-token/a`).getManifest("1")).rejects.toThrow(new RegExp(`${reg.host}.*authentication.*incorrect username or password`));
    } finally {
      client.close();
    }
  });
});

describe("auth details", () => {
  it("parses WWW-Authenticate challenges, quoted commas and several per header", () => {
    expect(parseChallenges(['Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'])).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" } },
    ]);
    expect(parseChallenges(['Basic realm="x y", Bearer realm="r"'])).toEqual([
      { scheme: "basic", params: { realm: "x y" } },
      { scheme: "bearer", params: { realm: "r" } },
    ]);
  });

  it("reads Retry-After as seconds or an HTTP date, capped", () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    expect(retryAfterMs("99999")).toBe(60_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it("credentials: DOCKER_AUTH_CONFIG first, then auths by host (Docker Hub's URL key for docker.io)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "strata-creds-"));
    try {
      const { writeFile } = await import("node:fs/promises");
      const b64 = (s: string) => Buffer.from(s).toString("base64");
      await writeFile(path.join(dir, "config.json"), JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: b64("hub:1") }, "https://reg.example:5000": { auth: b64("u:p:with:colons") } } }));
      const creds = new DockerCredentials(dir, {});
      expect(await creds.get("docker.io")).toEqual({ username: "hub", password: "1" });
      expect(await creds.get("reg.example:5000")).toEqual({ username: "u", password: "p:with:colons" });
      expect(await creds.get("other.example")).toBeUndefined();
      const env = new DockerCredentials(dir, { DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "reg.example:5000": { auth: b64("env:2") } } }) });
      expect(await env.get("reg.example:5000")).toEqual({ username: "env", password: "2" });
      expect(await env.get("docker.io")).toEqual({ username: "hub", password: "1" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
