import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy does to a matching request instead of (or while) passing it on. */
export type FaultAction =
  /** Answer with this status (and headers, e.g. Retry-After) without asking the registry. */
  | { respond: number; headers?: Record<string, string>; body?: string }
  /** Pass the request on, but cut the client's connection after this many response-body bytes. */
  | { resetAfterBytes: number }
  /** Pass the request on, and run `run` once this many request-body (or response-body) bytes went through. */
  | { after: { requestBytes?: number; responseBytes?: number }; run: () => void | Promise<void> };

export interface FaultRule {
  method?: string;
  /** Matched against the request path and query. */
  path: RegExp;
  action: FaultAction;
  /** How many times it acts (default: always); a pass-through rule counts only when it fires. */
  times?: number;
}

export interface SeenRequest {
  method: string;
  url: string;
  /** The client's Range header, if any. */
  range?: string;
  /** Set when a rule acted on it. */
  fault?: string;
  at: number;
}

/** A rule still has uses left; `use` takes one (rules without `times` never run out). */
const live = (r: FaultRule): boolean => r.times === undefined || r.times > 0;
const use = (r: FaultRule): void => {
  if (r.times !== undefined) r.times--;
};

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a real registry that injects faults a real
 * registry or network produces (429 with Retry-After, 5xx, a connection cut mid-body), so a
 * client's retries and resumes can be tested against the real protocol behind it.
 */
export class FaultProxy {
  readonly rules: FaultRule[] = [];
  readonly seen: SeenRequest[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<FaultProxy> {
    let proxy: FaultProxy;
    const server = http.createServer((req, res) => proxy.handle(req, res));
    proxy = new FaultProxy(server, targetPort);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private ruleFor(method: string, url: string): FaultRule | undefined {
    return this.rules.find((r) => (!r.method || r.method === method) && r.path.test(url) && live(r));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? "/";
    const rule = this.ruleFor(req.method ?? "GET", url);
    const seen: SeenRequest = { method: req.method ?? "GET", url, at: Date.now(), range: req.headers.range };
    this.seen.push(seen);
    if (rule && "respond" in rule.action) {
      use(rule);
      const a = rule.action;
      seen.fault = `respond ${a.respond}`;
      req.resume();
      res.writeHead(a.respond, { "content-type": "application/json", ...a.headers });
      res.end(a.body ?? JSON.stringify({ errors: [{ code: a.respond === 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE", message: `injected ${a.respond}` }] }));
      return;
    }
    const trigger = rule && "after" in rule.action ? rule.action : undefined;
    const headers = { ...req.headers, host: `127.0.0.1:${this.targetPort}` };
    const up = http.request({ host: "127.0.0.1", port: this.targetPort, method: req.method, path: url, headers }, (upRes) => {
      const out = { ...upRes.headers };
      if (typeof out.location === "string") out.location = out.location.replace(`127.0.0.1:${this.targetPort}`, this.host);
      res.writeHead(upRes.statusCode ?? 502, out);
      const reset = rule && "resetAfterBytes" in rule.action ? rule.action : undefined;
      if (rule && reset) {
        // A reply shorter than the limit passes whole and leaves the rule for the next request.
        let left = reset.resetAfterBytes;
        upRes.on("data", (c: Buffer) => {
          if (left <= 0) return;
          if (c.length < left || !live(rule)) {
            left -= c.length;
            res.write(c);
            return;
          }
          use(rule);
          seen.fault = `reset after ${reset.resetAfterBytes} bytes`;
          res.write(c.subarray(0, left));
          left = 0;
          upRes.destroy();
          res.socket?.destroy();
        });
        upRes.on("end", () => res.end());
        return;
      }
      if (trigger?.after.responseBytes !== undefined) {
        // Forwards up to the threshold, then stops: the callback (a registry kill) happens while
        // the reply is unfinished however fast the rest would have arrived.
        let n = 0;
        let fired = false;
        upRes.on("data", (c: Buffer) => {
          if (fired) return;
          if (n + c.length < trigger.after.responseBytes! || !live(rule!)) {
            n += c.length;
            res.write(c);
            return;
          }
          fired = true;
          use(rule!);
          res.write(c.subarray(0, trigger.after.responseBytes! - n));
          seen.fault = `ran after ${trigger.after.responseBytes} response bytes`;
          upRes.pause();
          void Promise.resolve(trigger.run()).finally(() => {
            upRes.destroy();
            res.socket?.destroy();
          });
        });
        upRes.on("end", () => !fired && res.end());
        upRes.on("error", () => res.socket?.destroy());
        return;
      }
      upRes.on("error", () => res.socket?.destroy());
      upRes.on("aborted", () => res.socket?.destroy());
      upRes.pipe(res);
    });
    up.on("error", () => res.socket?.destroy());
    if (trigger?.after.requestBytes !== undefined) {
      // As for replies: forward up to the threshold, hold the rest, run the callback, then cut.
      let n = 0;
      let fired = false;
      req.on("data", (c: Buffer) => {
        if (fired) return;
        if (n + c.length < trigger.after.requestBytes! || !live(rule!)) {
          n += c.length;
          up.write(c);
          return;
        }
        fired = true;
        use(rule!);
        up.write(c.subarray(0, trigger.after.requestBytes! - n));
        seen.fault = `ran after ${trigger.after.requestBytes} request bytes`;
        req.pause();
        void Promise.resolve(trigger.run()).finally(() => {
          up.destroy();
          res.socket?.destroy();
        });
      });
      req.on("end", () => !fired && up.end());
      return;
    }
    req.pipe(up);
  }
}
