/** Mount teardowns still running after their caller moved on. */
const pending = new Set<Promise<void>>();
let failure: { error: unknown } | undefined;

/**
 * Lets a slow teardown overlap with what comes next: unmounting an overlay after a run that
 * looked at 20,000 files takes ~55 ms (the kernel frees an inode per file), time the build can
 * spend writing the step's layer. Every mount and every snapshot removal first waits for
 * pending teardowns, and whoever ends the process must wait too (`teardownsSettled`).
 */
export function teardownLater(teardown: Promise<void>): void {
  const p: Promise<void> = teardown
    .catch((error: unknown) => {
      failure ??= { error };
    })
    .finally(() => pending.delete(p));
  pending.add(p);
}

/**
 * Waits for every teardown passed to `teardownLater`, leaving a failure for `teardownsSettled` to
 * report: for those that only need the unmounts over (removing a snapshot that was an upper).
 */
export async function teardownsDone(): Promise<void> {
  while (pending.size > 0) await Promise.all(pending);
}

/** Waits for every teardown passed to `teardownLater`; throws the first one's error, once. */
export async function teardownsSettled(): Promise<void> {
  await teardownsDone();
  const failed = failure;
  failure = undefined;
  if (failed) throw failed.error;
}
