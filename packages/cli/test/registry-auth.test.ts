import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DOCKER, TestRegistry, dockerRemoveImage, ensureDockerd } from "@strata/testkit";
import { cleanup, rootWithBusybox, strata, tempDir } from "./helpers.js";
import { digestIn, dockerConfigDir, repoOf } from "./registry-helpers.js";

const USER = "strata-ci";
const PASSWORD = "s3cret-Pa55-never-printed";
const skipDocker = process.env.STRATA_SKIP_DOCKER === "1";

/** Every file under `dir` whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const r = await execa("grep", ["-rlF", needle, dir], { reject: false });
  return r.stdout.split("\n").filter(Boolean);
}

// Needs root; docker-registry with htpasswd (bcrypt) auth behind TLS, with a CA made by the test.
describe("a registry with htpasswd auth behind TLS", () => {
  let reg: TestRegistry;
  let root: string;
  let config: string;
  let env: Record<string, string>;
  let image: string;
  const dirs: string[] = [];
  const outputs: string[] = [];
  const run = async (args: string[], opts: { input?: string; env?: Record<string, string>; root?: string } = {}) => {
    const res = await strata(opts.root ?? root, args, { env: { ...env, ...opts.env }, input: opts.input });
    outputs.push(String(res.all ?? ""));
    return res;
  };

  beforeAll(async () => {
    reg = await TestRegistry.start({ tls: true, auth: { username: USER, password: PASSWORD } });
    config = await dockerConfigDir();
    // The CA reaches strata the way Docker's does: <certs.d>/127.0.0.1:PORT/ca.crt.
    env = { DOCKER_CONFIG: config, STRATA_CERTS_DIRS: reg.certsDir };
    root = await rootWithBusybox();
    dirs.push(config, root);
    image = `${repoOf(reg, "auth")}:1`;
    expect((await strata(root, ["tag", "busybox", image])).exitCode).toBe(0);
  });

  afterAll(async () => {
    await reg?.remove();
    await cleanup(...dirs);
  });

  it("without a login, push fails on one line naming the registry, with the login hint", async () => {
    const res = await run(["push", image]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`error: .*${reg.host.replace(/\./g, "\\.")}/strata-registry-auth.*unauthorized`));
    expect(res.stderr).toContain(`hint: log in with \`strata login ${reg.host}\``);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it("a wrong password is refused, nothing is stored, the password never printed", async () => {
    const res = await run(["login", "-u", USER, "--password-stdin", reg.host], { input: "wrong-password\n" });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/unauthorized/);
    await expect(readFile(path.join(config, "config.json"), "utf8")).rejects.toThrow();
  });

  it("a TLS registry whose CA is unknown is refused, with the certs.d hint; --tls-verify=false skips the check", async () => {
    const noCerts = await mkdtemp(path.join(os.tmpdir(), "strata-no-certs-"));
    dirs.push(noCerts);
    const res = await run(["login", "-u", USER, "--password-stdin", reg.host], { input: `${PASSWORD}\n`, env: { STRATA_CERTS_DIRS: noCerts } });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/TLS certificate of 127\.0\.0\.1:\d+ not trusted/);
    expect(res.stderr).toContain(`/etc/docker/certs.d/${reg.host}/ca.crt`);
    const skip = await run(["pull", "--tls-verify=false", `${repoOf(reg, "auth")}:nosuch`], { env: { STRATA_CERTS_DIRS: noCerts } });
    expect(skip.exitCode).toBe(1);
    expect(skip.stderr).toMatch(/unauthorized/); // it got past TLS, to the auth check
  });

  it("login writes Docker's config.json; push and pull then work; logout removes it", async () => {
    const login = await run(["login", "-u", USER, "--password-stdin", reg.host], { input: `${PASSWORD}\n` });
    expect(login.exitCode, login.all).toBe(0);
    expect(login.stdout).toContain("Login Succeeded");
    const file = JSON.parse(await readFile(path.join(config, "config.json"), "utf8"));
    expect(Buffer.from(file.auths[reg.host].auth, "base64").toString()).toBe(`${USER}:${PASSWORD}`);
    const push = await run(["push", image]);
    expect(push.exitCode, push.all).toBe(0);
    const fresh = await tempDir("auth-pull");
    dirs.push(fresh);
    const pull = await run(["pull", image], { root: fresh });
    expect(pull.exitCode, pull.all).toBe(0);
    expect(digestIn(pull.stdout)).toBe(digestIn(push.stdout));
    // Credentials never reach output, progress, or anything in the stores (metadata included).
    for (const out of outputs) expect(out).not.toContain(PASSWORD);
    for (const r of [root, fresh]) expect(await filesContaining(r, PASSWORD)).toEqual([]);
    expect(await filesContaining(root, Buffer.from(`${USER}:${PASSWORD}`).toString("base64"))).toEqual([]);

    const logout = await run(["logout", reg.host]);
    expect(logout.stdout.trim()).toBe(`Removing login credentials for ${reg.host}`);
    expect(JSON.parse(await readFile(path.join(config, "config.json"), "utf8")).auths[reg.host]).toBeUndefined();
    expect((await run(["logout", reg.host])).stdout.trim()).toBe(`Not logged in to ${reg.host}`);
    const denied = await run(["pull", image], { root: fresh });
    expect(denied.exitCode).toBe(1);
  });

  it("credentials come from a credsStore helper as the docker CLI runs it (store, get, erase)", async () => {
    const bin = await mkdtemp(path.join(os.tmpdir(), "strata-helper-"));
    dirs.push(bin);
    const db = path.join(bin, "secrets.json");
    // A real credential helper: the docker-credential-helpers protocol over stdin/stdout, kept in a file.
    const helper = path.join(bin, "docker-credential-strata-test");
    await writeFile(
      helper,
      `#!/usr/bin/env node
const fs = require("fs");
const db = ${JSON.stringify(db)};
const load = () => { try { return JSON.parse(fs.readFileSync(db, "utf8")); } catch { return {}; } };
const input = fs.readFileSync(0, "utf8").trim();
const all = load();
switch (process.argv[2]) {
  case "store": { const c = JSON.parse(input); all[c.ServerURL] = c; fs.writeFileSync(db, JSON.stringify(all)); break; }
  case "get": { const c = all[input]; if (!c) { process.stdout.write("credentials not found in native keychain"); process.exit(1); } process.stdout.write(JSON.stringify(c)); break; }
  case "erase": { delete all[input]; fs.writeFileSync(db, JSON.stringify(all)); break; }
  case "list": { process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.Username])))); break; }
  default: process.exit(1);
}
`,
    );
    await chmod(helper, 0o755);
    const helperConfig = await dockerConfigDir();
    dirs.push(helperConfig);
    await writeFile(path.join(helperConfig, "config.json"), JSON.stringify({ credsStore: "strata-test" }));
    const henv = { DOCKER_CONFIG: helperConfig, PATH: `${bin}:${process.env.PATH}` };
    const login = await run(["login", "-u", USER, "--password-stdin", reg.host], { input: PASSWORD, env: henv });
    expect(login.exitCode, login.all).toBe(0);
    expect(login.stderr).not.toMatch(/stored unencrypted/);
    const cfg = JSON.parse(await readFile(path.join(helperConfig, "config.json"), "utf8"));
    expect(cfg.auths[reg.host]).toEqual({});
    expect(JSON.parse(await readFile(db, "utf8"))[reg.host].Secret).toBe(PASSWORD);
    const fresh = await tempDir("helper-pull");
    dirs.push(fresh);
    const pull = await run(["pull", image], { root: fresh, env: henv });
    expect(pull.exitCode, pull.all).toBe(0);
    const logout = await run(["logout", reg.host], { env: henv });
    expect(logout.exitCode, logout.all).toBe(0);
    expect(JSON.parse(await readFile(db, "utf8"))[reg.host]).toBeUndefined();
  });

  it.skipIf(skipDocker)("the docker CLI uses the login strata wrote, and strata the one docker wrote", async () => {
    await ensureDockerd();
    const shared = await dockerConfigDir();
    dirs.push(shared);
    const senv = { DOCKER_CONFIG: shared };
    expect((await run(["login", "-u", USER, "--password-stdin", reg.host], { input: PASSWORD, env: senv })).exitCode).toBe(0);
    // Docker treats 127.0.0.0/8 registries as insecure: it talks TLS without verifying, and
    // authenticates with what is in the config directory.
    const dockerPull = await execa(DOCKER, ["--config", shared, "pull", image], { reject: false, all: true });
    expect(dockerPull.exitCode, dockerPull.all).toBe(0);
    await dockerRemoveImage(image);

    const dockerConfig = await dockerConfigDir();
    dirs.push(dockerConfig);
    const dlogin = await execa(DOCKER, ["--config", dockerConfig, "login", "-u", USER, "--password-stdin", reg.host], { input: PASSWORD, reject: false, all: true });
    expect(dlogin.exitCode, dlogin.all).toBe(0);
    const fresh = await tempDir("docker-login-pull");
    dirs.push(fresh);
    const pull = await run(["pull", image], { root: fresh, env: { DOCKER_CONFIG: dockerConfig } });
    expect(pull.exitCode, pull.all).toBe(0);
  });
});
