import { createRequire } from "node:module";
import { StrataError } from "@strata/core";
import { hostTLS, systemCAs } from "./certs.js";
import { parseChallenges, type Challenge } from "./challenge.js";
import type { Credentials } from "./credentials.js";
import { isNotTls, isRetryableNetworkError, isTlsTrustError, networkError, responseError, type What } from "./errors.js";
import { httpAgent, httpsAgent, send, type Agent, type HttpBody, type HttpResponse } from "./http.js";
import { backoffMs, retryAfterMs, sleep } from "./retry.js";

export interface CredentialSource {
  get(host: string): Promise<Credentials | undefined>;
}

export interface TransportOptions {
  credentials?: CredentialSource;
  /** false: accept any certificate and allow plain HTTP for every host (podman's --tls-verify=false). */
  tlsVerify?: boolean;
  /** Hosts allowed over plain HTTP besides loopback ones (Docker's insecure-registries). */
  insecureHosts?: string[];
  certsDirs?: string[];
  /** Attempts per request for transient failures (default 5; STRATA_REGISTRY_ATTEMPTS). */
  attempts?: number;
  /**
   * Remembers which scheme a host answered on, across commands: a loopback registry known to
   * be plain HTTP is not probed with a TLS handshake first (which costs ~50-80 ms of CA parsing).
   */
  schemes?: { get(host: string): "http" | "https" | undefined; set(host: string, scheme: "http" | "https"): void };
  signal?: AbortSignal;
}

export interface RegistryRequest {
  method: "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
  /** "/v2/…" on the registry, or an absolute URL (an upload Location). */
  path: string;
  headers?: Record<string, string>;
  body?: HttpBody;
  /** Token scopes the request needs, e.g. "repository:app:pull,push". */
  scopes: string[];
  what: What;
  /** No retries on 429/5xx answers (the caller starts over itself). */
  noRetry?: boolean;
  /** Attempts on network failures (default: the host's). */
  attempts?: number;
  idleTimeoutMs?: number;
}

const USER_AGENT = "strata/0.1";
const MAX_REDIRECTS = 5;

/** The registry host Docker Hub references name ("docker.io") and the one its API is on. */
export function apiHost(host: string): string {
  return host === "docker.io" || host === "index.docker.io" ? "registry-1.docker.io" : host;
}

/**
 * One registry host: how to reach it (https, or http for loopback and insecure hosts, as Docker
 * decides), its auth challenge, cached tokens per scope, and every request's retries.
 */
export class RegistryHost {
  #base: Promise<URL> | undefined;
  #agent: Agent | undefined;
  #challenge: Challenge | undefined;
  #tokens = new Map<string, { token: string; expires: number }>();
  #credentials: Promise<Credentials | undefined> | undefined;
  #agents: Agent[] = [];
  #foreign = new Map<string, Agent>();

  constructor(
    /** As references spell it: "127.0.0.1:5000", "docker.io". */
    readonly name: string,
    private readonly opts: TransportOptions,
  ) {}

  get attempts(): number {
    return this.opts.attempts ?? (Number(process.env.STRATA_REGISTRY_ATTEMPTS) || 5);
  }

  /** Sends a request with auth, redirects and retries; the caller reads the status. */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const base = await this.base(req.what);
    let url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(req.path, base);
    let authRetried = false;
    let redirects = 0;
    const attempts = req.attempts ?? this.attempts;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      const sameHost = url.host === base.host;
      try {
        const auth = sameHost ? await this.authorization(req.scopes, req.what) : undefined;
        res = await send(
          {
            method: req.method,
            url,
            headers: { "user-agent": USER_AGENT, ...req.headers, ...(auth ? { authorization: auth } : {}) },
            body: req.body,
            signal: this.opts.signal,
            idleTimeoutMs: req.idleTimeoutMs,
          },
          sameHost ? this.#agent! : await this.agentFor(url),
        );
      } catch (e) {
        if (attempt < attempts && isRetryableNetworkError(e) && !this.opts.signal?.aborted) {
          await sleep(backoffMs(attempt), this.opts.signal);
          continue;
        }
        throw networkError(e, req.what, apiHost(this.name));
      }
      if (res.status === 401 && sameHost && !authRetried) {
        const challenge = parseChallenges(res.headerValues("www-authenticate"))[0];
        await res.drain();
        if (!challenge) throw await responseError(res, req.what, this.name);
        authRetried = true;
        this.#challenge = challenge;
        this.#tokens.delete(scopeKey(req.scopes));
        const asked = challenge.params.scope;
        if (asked && challenge.scheme === "bearer") req = { ...req, scopes: [...new Set([...req.scopes, ...asked.split(" ")])] };
        attempt--;
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.location && redirects < MAX_REDIRECTS) {
        await res.drain();
        redirects++;
        url = new URL(res.headers.location, url);
        attempt--;
        continue;
      }
      if (!req.noRetry && (res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504 || res.status === 500) && attempt < attempts) {
        const wait = retryAfterMs(res.headers["retry-after"]) ?? backoffMs(attempt);
        await res.drain();
        await sleep(wait, this.opts.signal);
        continue;
      }
      return res;
    }
  }

  /** Closes the idle keep-alive connections (a command ends with this, or Node waits for them). */
  close(): void {
    for (const a of this.#agents) a.destroy();
    this.#agents = [];
    this.#foreign.clear();
  }

  /** The credentials for this host (looked up once). */
  credentials(): Promise<Credentials | undefined> {
    return (this.#credentials ??= this.opts.credentials?.get(this.name) ?? Promise.resolve(undefined));
  }

  /** Forget cached credentials and tokens (login checks new ones). */
  useCredentials(creds: Credentials | undefined): void {
    this.#credentials = Promise.resolve(creds);
    this.#tokens.clear();
  }

  /**
   * The scheme and address, found with `GET /v2/` as Docker pings: https first; plain http
   * only for loopback hosts, `insecureHosts` and `tlsVerify: false`, when the host does not
   * speak TLS. The answer's challenge (401) says how to authenticate.
   */
  base(what: What): Promise<URL> {
    this.#base ??= this.ping(what);
    this.#base.catch(() => (this.#base = undefined));
    return this.#base;
  }

  /** Checks credentials against the registry (`strata login`): a 401 with them is an error. */
  async checkLogin(): Promise<void> {
    const what = `login to ${this.name}`;
    await this.base(what);
    if (!this.#challenge) return;
    const res = await this.request({ method: "GET", path: "/v2/", scopes: [], what });
    if (res.status === 200) return void (await res.drain());
    throw await responseError(res, what, this.name);
  }

  private async ping(what: What): Promise<URL> {
    const host = apiHost(this.name);
    const verify = this.opts.tlsVerify !== false;
    const remembered = this.opts.schemes?.get(this.name);
    if (remembered === "http" && (!verify || (await this.plainAllowed()))) {
      const plain = this.track(httpAgent());
      const base = await this.pingAt(new URL(`http://${host}/`), plain, true).catch(() => undefined);
      if (base) {
        this.#agent = plain;
        return base;
      }
    }
    const https = new URL(`https://${host}/`);
    let tlsAgent: Agent;
    try {
      const tls = hostTLS(this.name, this.opts.certsDirs);
      tlsAgent = this.track(httpsAgent({ ca: [...systemCAs(), ...tls.ca], cert: tls.cert, key: tls.key, rejectUnauthorized: verify }));
    } catch (e) {
      throw new StrataError("INVALID_ARGUMENT", `${what}: ${(e as Error).message}`);
    }
    try {
      const res = await this.pingAt(https, tlsAgent);
      this.#agent = tlsAgent;
      if (remembered === "http") this.opts.schemes?.set(this.name, "https");
      return res;
    } catch (e) {
      const plainOk = !verify || (await this.plainAllowed());
      if (!(plainOk && (isNotTls(e) || (!verify && !isTlsTrustError(e))))) throw networkError(e, what, apiHost(this.name));
    }
    const plain = this.track(httpAgent());
    const url = new URL(`http://${host}/`);
    try {
      const res = await this.pingAt(url, plain);
      this.#agent = plain;
      this.opts.schemes?.set(this.name, "http");
      return res;
    } catch (e) {
      throw networkError(e, what, apiHost(this.name));
    }
  }

  /** GET /v2/ at `base`; `strict`: only a registry's answer (200, 401) counts, nothing is retried. */
  private async pingAt(base: URL, agent: Agent, strict = false): Promise<URL> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await send({ method: "GET", url: new URL("/v2/", base), headers: { "user-agent": USER_AGENT }, signal: this.opts.signal, idleTimeoutMs: 30_000 }, agent);
        const challenge = res.status === 401 ? parseChallenges(res.headerValues("www-authenticate"))[0] : undefined;
        await res.drain();
        if (strict && res.status !== 200 && res.status !== 401) throw new Error(`not a registry answer (HTTP ${res.status})`);
        if (challenge) this.#challenge = challenge;
        if ((res.status >= 500 || res.status === 429) && attempt < this.attempts) {
          await sleep(retryAfterMs(res.headers["retry-after"]) ?? backoffMs(attempt), this.opts.signal);
          continue;
        }
        return base;
      } catch (e) {
        if (!strict && attempt < Math.min(this.attempts, 3) && isRetryableNetworkError(e) && !isNotTls(e) && !this.opts.signal?.aborted) {
          await sleep(backoffMs(attempt), this.opts.signal);
          continue;
        }
        throw e;
      }
    }
  }

  private async plainAllowed(): Promise<boolean> {
    // Loaded here: most commands never ask (dns and net cost start-up time).
    const require = createRequire(import.meta.url);
    const { isIP } = require("node:net") as typeof import("node:net");
    const { lookup } = require("node:dns/promises") as typeof import("node:dns/promises");
    const hostname = apiHost(this.name).replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
    if ((this.opts.insecureHosts ?? []).includes(this.name)) return true;
    const ip = isIP(hostname) ? hostname : await lookup(hostname).then((r) => r.address, () => undefined);
    return ip !== undefined && isLoopback(ip);
  }

  /** A redirect target on another host (blob storage): plain agents, never our Authorization. */
  private async agentFor(url: URL): Promise<Agent> {
    const secure = url.protocol === "https:";
    let agent = this.#foreign.get(url.protocol);
    if (!agent) {
      agent = this.track(secure ? httpsAgent({ ca: systemCAs(), rejectUnauthorized: this.opts.tlsVerify !== false }) : httpAgent());
      this.#foreign.set(url.protocol, agent);
    }
    return agent;
  }

  private track<A extends Agent>(agent: A): A {
    this.#agents.push(agent);
    return agent;
  }

  private async authorization(scopes: string[], what: What): Promise<string | undefined> {
    const c = this.#challenge;
    if (!c) return undefined;
    const creds = await this.credentials();
    if (c.scheme === "basic") {
      if (!creds || !("password" in creds)) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    }
    if (c.scheme !== "bearer") return undefined;
    const key = scopeKey(scopes);
    const cached = this.#tokens.get(key);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    const token = await this.fetchToken(c, scopes, creds, what);
    this.#tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  /** Docker's token protocol: GET realm?service=&scope=… (Basic credentials if any); OAuth2 POST with an identity token. */
  private async fetchToken(c: Challenge, scopes: string[], creds: Credentials | undefined, what: What): Promise<{ token: string; expires: number }> {
    const realm = c.params.realm;
    if (!realm) throw new StrataError("INVALID_ARGUMENT", `${what}: the registry's Bearer challenge has no realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new StrataError("INVALID_ARGUMENT", `${what}: the registry's token realm is not a URL`);
    }
    const agent = url.host === (await this.base(what)).host ? this.#agent! : await this.agentFor(url);
    let res: HttpResponse;
    try {
      if (creds && "identityToken" in creds) {
        const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.identityToken, service: c.params.service ?? "", client_id: "strata", scope: scopes.join(" ") });
        res = await send({ method: "POST", url, headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": USER_AGENT }, body: Buffer.from(form.toString()), signal: this.opts.signal }, agent);
      } else {
        if (c.params.service) url.searchParams.set("service", c.params.service);
        for (const s of scopes) url.searchParams.append("scope", s);
        const headers: Record<string, string> = { "user-agent": USER_AGENT };
        if (creds && "password" in creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
        res = await send({ method: "GET", url, headers, signal: this.opts.signal }, agent);
      }
    } catch (e) {
      throw networkError(e, `${what}: token`, url.host);
    }
    if (res.status !== 200) {
      const err = await responseError(res, `${what}: authentication`, this.name);
      throw new StrataError(res.status === 401 || res.status === 403 ? "PERMISSION_DENIED" : err.code, err.message, { hint: `log in with \`strata login ${this.name}\``, detail: err.detail });
    }
    let doc: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      doc = JSON.parse((await res.bytes(1 << 20)).toString("utf8")) as typeof doc;
    } catch {
      throw new StrataError("INVALID_ARGUMENT", `${what}: the token server's answer is not JSON`);
    }
    const token = doc.token ?? doc.access_token;
    if (!token) throw new StrataError("INVALID_ARGUMENT", `${what}: the token server sent no token`);
    const lifetime = Math.max(60, doc.expires_in ?? 60) * 1000;
    const issued = doc.issued_at ? Date.parse(doc.issued_at) : Date.now();
    return { token, expires: (Number.isNaN(issued) ? Date.now() : Math.min(issued, Date.now())) + lifetime - 10_000 };
  }
}

const scopeKey = (scopes: string[]): string => [...scopes].sort().join(" ");

export function isLoopback(ip: string): boolean {
  return ip === "::1" || /^127\./.test(ip) || /^::ffff:127\./.test(ip);
}
