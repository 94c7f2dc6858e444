import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";

export const DOCKER_REGISTRY = "/usr/bin/docker-registry";

/** One request as the registry logged it. */
export interface LoggedRequest {
  method: string;
  uri: string;
  status: number;
}

export interface TestRegistryOptions {
  /** htpasswd (bcrypt) auth with this one user. */
  auth?: { username: string; password: string };
  /** Serve TLS with a certificate for 127.0.0.1 signed by a CA made here (see `caFile`, `certsDir`). */
  tls?: boolean;
  /** Start on this port (a restart keeps its port). */
  port?: number;
  /** Docker's token auth: tokens from this realm, signed by the certificate in `rootCert`. */
  token?: { realm: string; service: string; issuer: string; rootCert: string };
}

/**
 * Debian's `docker-registry` (distribution 2.8) on 127.0.0.1, with its own storage, config and
 * log in a temp directory. The log is parsed for the requests the registry answered, so tests
 * can count what a client did (`requests()`, `mark()`).
 */
export class TestRegistry {
  private proc: ChildProcess | undefined;
  private logLines = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly opts: TestRegistryOptions,
  ) {}

  static async start(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "strata-registry-"));
    const reg = new TestRegistry(dir, opts.port ?? (await freePort()), opts);
    await reg.writeConfig();
    await reg.start();
    return reg;
  }

  /** "127.0.0.1:PORT", as references name it. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `${this.opts.tls ? "https" : "http"}://${this.host}`;
  }

  get storage(): string {
    return path.join(this.dir, "data");
  }

  get logFile(): string {
    return path.join(this.dir, "registry.log");
  }

  /** The CA that signed the server certificate (TLS only). */
  get caFile(): string {
    return path.join(this.dir, "tls", "ca.crt");
  }

  /** A certs.d-style directory: `<certsDir>/127.0.0.1:PORT/ca.crt` (TLS only). */
  get certsDir(): string {
    return path.join(this.dir, "certs.d");
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const log = openSync(this.logFile, "a");
    this.proc = spawn(DOCKER_REGISTRY, ["serve", path.join(this.dir, "config.yml")], { stdio: ["ignore", log, log] });
    closeSync(log);
    live.add(this);
    await this.waitReady();
  }

  /** SIGTERM and wait. */
  async stop(): Promise<void> {
    await this.signal("SIGTERM");
  }

  /** SIGKILL, as a crash would (mid-request). */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the registry and removes its directory. */
  async remove(): Promise<void> {
    await this.stop();
    live.delete(this);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Every request answered since the registry first started (or since `mark`). */
  requests(since = 0): LoggedRequest[] {
    const lines = readFileSync(this.logFile, "utf8").split("\n");
    const out: LoggedRequest[] = [];
    for (const line of lines.slice(since)) {
      if (!line.includes('msg="response completed"') && !line.includes("msg=\"response completed with error\"")) continue;
      const method = /http\.request\.method=(\S+)/.exec(line)?.[1];
      const uri = /http\.request\.uri="?([^"\s]+)"?/.exec(line)?.[1];
      const status = /http\.response\.status=(\d+)/.exec(line)?.[1];
      if (method && uri) out.push({ method, uri, status: Number(status ?? 0) });
    }
    return out;
  }

  /** A position in the log: `requests(mark)` lists what came after it. */
  mark(): number {
    return readFileSync(this.logFile, "utf8").split("\n").length - 1;
  }

  /** The blob digests a client downloaded (GET …/blobs/<digest>) since `mark`. */
  blobDownloads(since = 0): string[] {
    return this.requests(since)
      .filter((r) => r.method === "GET" && /\/blobs\/sha256:[a-f0-9]{64}$/.test(r.uri))
      .map((r) => r.uri.replace(/.*\/blobs\//, ""));
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill(sig);
    await exited;
    this.proc = undefined;
  }

  private async writeConfig(): Promise<void> {
    await mkdir(this.storage, { recursive: true });
    const lines = [
      "version: 0.1",
      "log:",
      "  level: info",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${this.storage}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${this.port}`,
    ];
    if (this.opts.tls) {
      const tls = await makeTLS(path.join(this.dir, "tls"));
      lines.push("  tls:", `    certificate: ${tls.cert}`, `    key: ${tls.key}`);
      await mkdir(path.join(this.certsDir, this.host), { recursive: true });
      await writeFile(path.join(this.certsDir, this.host, "ca.crt"), readFileSync(this.caFile));
    }
    if (this.opts.auth) {
      const file = path.join(this.dir, "htpasswd");
      const r = await execa("htpasswd", ["-Bbn", this.opts.auth.username, this.opts.auth.password]);
      await writeFile(file, r.stdout + "\n");
      lines.push("auth:", "  htpasswd:", "    realm: strata-test", `    path: ${file}`);
    }
    if (this.opts.token) {
      const t = this.opts.token;
      lines.push("auth:", "  token:", `    realm: ${t.realm}`, `    service: ${t.service}`, `    issuer: ${t.issuer}`, `    rootcertbundle: ${t.rootCert}`);
    }
    await writeFile(path.join(this.dir, "config.yml"), lines.join("\n") + "\n");
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`docker-registry exited at start:\n${readFileSync(this.logFile, "utf8").slice(-2000)}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not start listening on ${this.host}`);
  }
}

const live = new Set<TestRegistry>();
process.once("exit", () => {
  for (const r of live) (r as unknown as { proc?: ChildProcess }).proc?.kill("SIGKILL");
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** A CA and a server certificate for 127.0.0.1 (EC P-256: fast to make), with openssl. */
export async function makeTLS(dir: string, names: { ip?: string; dns?: string } = { ip: "127.0.0.1" }): Promise<{ ca: string; cert: string; key: string }> {
  await mkdir(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await execa("openssl", ["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "3", "-subj", "/CN=strata test CA"]);
  await execa("openssl", ["req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", `/CN=${names.ip ?? names.dns}`]);
  const san = [names.ip ? `IP:${names.ip}` : "", names.dns ? `DNS:${names.dns}` : ""].filter(Boolean).join(",");
  await writeFile(f("ext.cnf"), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  await execa("openssl", ["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("server.crt"), "-days", "3", "-extfile", f("ext.cnf")]);
  return { ca: f("ca.crt"), cert: f("server.crt"), key: f("server.key") };
}
