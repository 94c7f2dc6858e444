import { StrataError } from "@strata/core";

/** Exponential backoff with jitter: ~200 ms, 400 ms, 800 ms … capped at 5 s. */
export function backoffMs(attempt: number): number {
  const base = Math.min(5000, 200 * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** `Retry-After` in seconds or as an HTTP date, capped at 60 s; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return undefined;
  const cap = (ms: number) => Math.max(0, Math.min(60_000, ms));
  if (/^\d+$/.test(v.trim())) return cap(Number(v.trim()) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : cap(at - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new StrataError("CANCELED", "canceled"));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new StrataError("CANCELED", "canceled"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
