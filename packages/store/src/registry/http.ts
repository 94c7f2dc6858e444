import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { createRequire } from "node:module";
import { Readable } from "node:stream";

/** A request body: bytes, or a factory of a fresh stream (so a retried request can send it again). */
export type HttpBody = Uint8Array | (() => AsyncIterable<Uint8Array>);

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: HttpBody;
  signal?: AbortSignal;
  /** Abort when no byte moves for this long (default 120 s). */
  idleTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every value of a header, in order (WWW-Authenticate may come more than once). */
  headerValues(name: string): string[];
  url: URL;
  body: IncomingMessage;
  /** The whole body, at most `limit` bytes (more is an error: a registry's error body is small). */
  bytes(limit?: number): Promise<Buffer>;
  /** Read and discard the body so the connection can be reused. */
  drain(): Promise<void>;
}

/** A body larger than a `bytes()` limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
  }
}

// node:http and node:https load on the first request: `strata images` never needs them.
const require = createRequire(import.meta.url);
let http: typeof import("node:http") | undefined;
let https: typeof import("node:https") | undefined;

export type Agent = HttpAgent | HttpsAgent;

export function httpAgent(): HttpAgent {
  http ??= require("node:http") as typeof import("node:http");
  return new http.Agent({ keepAlive: true, maxSockets: 8 });
}

export function httpsAgent(opts: import("node:https").AgentOptions): HttpsAgent {
  https ??= require("node:https") as typeof import("node:https");
  return new https.Agent({ keepAlive: true, maxSockets: 8, ...opts });
}

/** One HTTP exchange, without redirects or retries (see RegistryTransport for those). */
export function send(req: HttpRequest, agent: Agent): Promise<HttpResponse> {
  const secure = req.url.protocol === "https:";
  const mod = secure ? (https ??= require("node:https") as typeof import("node:https")) : (http ??= require("node:http") as typeof import("node:http"));
  const headers: Record<string, string> = { ...req.headers };
  const body = req.body;
  if (body instanceof Uint8Array) headers["content-length"] = String(body.byteLength);
  else if (body === undefined && ["PUT", "POST", "PATCH"].includes(req.method)) headers["content-length"] = "0";
  return new Promise<HttpResponse>((resolve, reject) => {
    const r = mod.request(req.url, { method: req.method, headers, agent, signal: req.signal }, (res) => {
      res.setTimeout(req.idleTimeoutMs ?? 120_000, () => res.destroy(Object.assign(new Error("registry stopped sending data"), { code: "ETIMEDOUT" })));
      resolve(wrap(req.url, res));
    });
    r.setTimeout(req.idleTimeoutMs ?? 120_000, () => r.destroy(Object.assign(new Error("registry did not answer in time"), { code: "ETIMEDOUT" })));
    r.on("error", reject);
    if (body === undefined) r.end();
    else if (body instanceof Uint8Array) r.end(body);
    else {
      const src = Readable.from(body(), { objectMode: false });
      src.on("error", (e) => r.destroy(e));
      src.pipe(r);
    }
  });
}

function wrap(url: URL, res: IncomingMessage): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    headerValues(name) {
      const out: string[] = [];
      const raw = res.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
      return out;
    },
    url,
    body: res,
    async bytes(limit = 4 << 20) {
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of res as AsyncIterable<Buffer>) {
        n += c.length;
        if (n > limit) {
          res.destroy();
          throw new BodyTooLargeError(limit);
        }
        chunks.push(c);
      }
      return Buffer.concat(chunks);
    },
    async drain() {
      // `complete` only says the parser has every byte: until the body is read to its end the
      // socket is not given back to the agent, and later requests queue behind it.
      if (res.readableEnded || res.destroyed) return;
      res.resume();
      await new Promise<void>((done) => {
        res.once("end", done);
        res.once("close", done);
        res.once("error", () => done());
      });
    },
  };
}
