import { StrataError, type ErrorCode } from "@strata/core";
import type { HttpResponse } from "./http.js";

/** What a request was for, in words: "push blob sha256:1234… to 127.0.0.1:5000/app". */
export type What = string;

/** The `{"errors":[{code,message,detail}]}` body of a registry error, when it has one. */
export async function errorBody(res: HttpResponse): Promise<{ code?: string; message?: string } | undefined> {
  try {
    const text = (await res.bytes(64 * 1024)).toString("utf8");
    const doc = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = doc.errors?.[0];
    return first ? { code: first.code, message: first.message } : undefined;
  } catch {
    return undefined;
  }
}

/** A StrataError for a registry's non-success answer. Never includes credentials or tokens. */
export async function responseError(res: HttpResponse, what: What, host: string): Promise<StrataError> {
  const body = await errorBody(res);
  const said = body ? `${body.code ? `${body.code.toLowerCase()}: ` : ""}${body.message ?? ""}`.replace(/:\s*$/, "") : "";
  const detail = { status: res.status, registryCode: body?.code };
  const text = (fallback: string) => `${what}: ${said || fallback} (HTTP ${res.status})`;
  const login = `strata login ${host}`;
  switch (res.status) {
    case 401:
      return new StrataError("PERMISSION_DENIED", text("unauthorized: authentication required"), { hint: `log in with \`${login}\``, detail });
    case 403:
      return new StrataError("PERMISSION_DENIED", text("denied: requested access to the resource is denied"), { hint: `check the repository name and your access; log in with \`${login}\``, detail });
    case 404:
      return new StrataError("NOT_FOUND", text("not found"), { detail });
    case 429:
      return new StrataError("UNAVAILABLE", text("too many requests"), { hint: "the registry is rate-limiting: try again later", detail });
    default: {
      const code: ErrorCode = res.status >= 500 ? "UNAVAILABLE" : "INVALID_ARGUMENT";
      return new StrataError(code, text(res.status >= 500 ? "registry error" : "request rejected"), { detail });
    }
  }
}

const TLS_TRUST = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

export const isTlsTrustError = (e: unknown): boolean => TLS_TRUST.has(String((e as { code?: string }).code));

/** The server answered TLS with something else (a plain-HTTP registry). */
export function isNotTls(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === "ERR_SSL_WRONG_VERSION_NUMBER" || err.code === "EPROTO" || /wrong version number|packet length too long|http request/i.test(err.message ?? "");
}

const RETRYABLE_NET = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "EAI_AGAIN", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_SOCKET", "ERR_STREAM_PREMATURE_CLOSE"]);

/** A network failure worth another try (the registry restarting, a reset connection). */
export function isRetryableNetworkError(e: unknown): boolean {
  if (e instanceof StrataError) return false;
  const err = e as { code?: string; message?: string; name?: string };
  if (err.name === "AbortError") return false;
  return RETRYABLE_NET.has(String(err.code)) || /socket hang up|aborted|premature close/i.test(err.message ?? "");
}

/** A StrataError for a failure below HTTP (DNS, TCP, TLS). */
export function networkError(e: unknown, what: What, host: string): StrataError {
  if (e instanceof StrataError) return e;
  const err = e as { code?: string; message?: string; name?: string };
  if (err.name === "AbortError") return new StrataError("CANCELED", `${what}: canceled`);
  const code = String(err.code ?? "");
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") {
    return new StrataError("UNAVAILABLE", `${what}: unknown host ${host.replace(/:\d+$/, "")}`, { hint: "check the registry name in the image reference", cause: e });
  }
  if (code === "ECONNREFUSED") return new StrataError("UNAVAILABLE", `${what}: connection refused by ${host}`, { hint: "is the registry running on that host and port?", cause: e });
  if (isTlsTrustError(e)) {
    return new StrataError("PERMISSION_DENIED", `${what}: TLS certificate of ${host} not trusted (${code})`, {
      hint: `put the registry's CA certificate in /etc/docker/certs.d/${host}/ca.crt, or pass --tls-verify=false`,
      cause: e,
    });
  }
  if (code === "ECONNRESET" || code === "EPIPE" || /socket hang up/.test(err.message ?? "")) {
    return new StrataError("UNAVAILABLE", `${what}: connection to ${host} was reset`, { hint: "the registry went away; run the command again to resume", cause: e });
  }
  if (code === "ETIMEDOUT") return new StrataError("UNAVAILABLE", `${what}: ${host} timed out`, { cause: e });
  return new StrataError("UNAVAILABLE", `${what}: ${err.message ?? String(e)}`, { cause: e });
}
