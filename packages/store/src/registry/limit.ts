/**
 * Runs `fn` over `items` with at most `limit` at a time. After a failure no new item starts;
 * the first failure rejects once the running ones have settled. `onQueued` sees the items that
 * must wait for a slot (Docker's "Waiting").
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, onQueued?: (item: T) => void): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  items.forEach((item, i) => i >= limit && onQueued?.(item));
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (rejected) throw rejected.reason;
  return out;
}
