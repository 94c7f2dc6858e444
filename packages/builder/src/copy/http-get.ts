import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";

const MAX_REDIRECTS = 10; // Go's http.Client default, which Docker's ADD uses

/**
 * GET `url`, following redirects, resolving to the final 2xx response (its body unread).
 * https trusts Node's CAs plus the bundle named by STRATA_EXTRA_CA_CERTS: the strata launcher
 * moves NODE_EXTRA_CA_CERTS there so Node does not parse it at every start (bin/strata).
 */
export async function httpGet(url: string, signal?: AbortSignal): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const res = await request(current, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      res.resume();
      if (redirects >= MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
      current = new URL(location, current);
      if (current.protocol !== "http:" && current.protocol !== "https:") throw new Error(`redirect to unsupported URL ${current.href}`);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw Object.assign(new Error(`invalid response status ${status}`), { status });
    }
    return res;
  }
}

async function request(url: URL, signal?: AbortSignal): Promise<IncomingMessage> {
  const https = url.protocol === "https:";
  const { get } = https ? await import("node:https") : await import("node:http");
  const ca = https ? await trustedCas() : undefined;
  return new Promise((resolve, reject) => {
    const req = get(url, { signal, ...(ca ? { ca } : {}) }, resolve);
    req.on("error", reject);
  });
}

async function trustedCas(): Promise<string[] | undefined> {
  const extra = process.env.STRATA_EXTRA_CA_CERTS;
  if (!extra) return undefined; // Node's defaults (which include NODE_EXTRA_CA_CERTS if it was set)
  const { rootCertificates } = await import("node:tls"); // loaded here: ~1 ms of every start otherwise
  return [...rootCertificates, readFileSync(extra, "utf8")];
}
