import { X509Certificate, createPrivateKey, randomUUID, sign, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { makeTLS } from "./registry.js";

export interface TokenRequest {
  service?: string;
  scopes: string[];
  /** The user of the Basic credentials sent, or undefined for an anonymous request. */
  user?: string;
}

/**
 * Docker's token server (distribution's token auth, `docs/spec/auth/token.md`) for tests: GET
 * /token?service=&scope=… with optional Basic credentials answers a JWT (ES256, the signing
 * certificate in its `x5c` header) granting the asked actions — all of them to the one user,
 * `pull` only to anonymous requests. docker-registry verifies it against `certFile`.
 */
export class TokenServer {
  readonly requests: TokenRequest[] = [];

  private constructor(
    private readonly server: http.Server,
    private readonly key: KeyObject,
    private readonly certDer: Buffer,
    readonly certFile: string,
    readonly issuer: string,
    private readonly users: Record<string, string>,
  ) {}

  static async start(dir: string, users: Record<string, string>): Promise<TokenServer> {
    // A self-signed signing certificate: it is both the chain (x5c) and the registry's root.
    const tls = await makeTLS(path.join(dir, "token-signing"), { dns: "token-signer" });
    const key = createPrivateKey(await readFile(tls.ca.replace(/ca\.crt$/, "ca.key"), "utf8"));
    const cert = new X509Certificate(await readFile(tls.ca, "utf8"));
    let self: TokenServer;
    const server = http.createServer((req, res) => self.handle(req, res));
    self = new TokenServer(server, key, Buffer.from(cert.raw), tls.ca, "strata-test-issuer", users);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return self;
  }

  get realm(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    const scopes = url.searchParams.getAll("scope");
    const service = url.searchParams.get("service") ?? undefined;
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith("Basic ")) {
      const [u, ...p] = Buffer.from(auth.slice(6), "base64").toString().split(":");
      if (this.users[u!] !== p.join(":")) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "incorrect username or password" }] }));
        return;
      }
      user = u;
    }
    this.requests.push({ service, scopes, user });
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(":");
      if (type !== "repository" || !name || !actions) return [];
      const granted = actions.split(",").filter((a) => user !== undefined || a === "pull");
      return granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const token = this.jwt({ iss: this.issuer, sub: user ?? "", aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  }

  private jwt(claims: Record<string, unknown>): string {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const head = b64({ typ: "JWT", alg: "ES256", x5c: [this.certDer.toString("base64")] });
    const body = b64(claims);
    const sig = sign("sha256", Buffer.from(`${head}.${body}`), { key: this.key, dsaEncoding: "ieee-p1363" });
    return `${head}.${body}.${sig.toString("base64url")}`;
  }
}
