import { AsyncLocalStorage } from "node:async_hooks";
import { hostname } from "node:os";
import { open, readFile, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { processAlive, StrataError, errnoCode } from "@strata/core";
import { fsError } from "./fs-errors.js";
import { layoutPaths } from "./layout.js";

/**
 * Store-wide advisory lock: `root/lock` created with O_EXCL holding "<pid> <host>".
 * A lock whose pid is gone is stale; breaking it is itself guarded by `lock.break` so two
 * waiters cannot both break it and then remove each other's fresh lock.
 * Within one process, callers are serialised by a promise chain; nested calls re-enter.
 */
const held = new AsyncLocalStorage<Set<string>>();
const inProcess = new Map<string, Promise<unknown>>();

const TIMEOUT_MS = 120_000;
const BREAKER_STALE_MS = 10_000;

export async function withStoreLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const key = path.resolve(root);
  if (held.getStore()?.has(key)) return fn();
  const prev = inProcess.get(key) ?? Promise.resolve();
  const run = prev.catch(() => {}).then(async () => {
    const release = await acquireFileLock(key);
    try {
      const set = new Set(held.getStore() ?? []);
      set.add(key);
      return await held.run(set, fn);
    } finally {
      await release();
    }
  });
  inProcess.set(key, run);
  try {
    return await run;
  } finally {
    if (inProcess.get(key) === run) inProcess.delete(key);
  }
}

async function acquireFileLock(root: string): Promise<() => Promise<void>> {
  const file = layoutPaths(root).lock;
  const content = `${process.pid} ${hostname()}\n`;
  const deadline = Date.now() + TIMEOUT_MS;
  let delay = 2;
  for (;;) {
    try {
      const fh = await open(file, "wx", 0o644);
      await fh.writeFile(content);
      await fh.close();
      return async () => {
        // Only remove the lock if it is still ours.
        if ((await readFile(file, "utf8").catch(() => "")) === content) await unlink(file).catch(() => {});
      };
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw fsError(e, `store lock ${file}`);
    }
    const holder = await readFile(file, "utf8").catch(() => undefined);
    if (holder !== undefined && (await isStale(file, holder))) {
      await breakStaleLock(file, holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new StrataError("UNAVAILABLE", `store lock ${file}: still held by ${holder?.trim() || "another process"} after ${TIMEOUT_MS / 1000}s`, {
        hint: `if no strata process is running, remove ${file}`,
      });
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
}

async function isStale(file: string, holder: string): Promise<boolean> {
  const [pidText, host] = holder.trim().split(" ");
  if (!pidText) {
    // Empty: being written right now, unless its writer died between create and write.
    const st = await stat(file).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs > BREAKER_STALE_MS;
  }
  if (host !== undefined && host !== hostname()) return false; // cannot check a pid on another host
  return !processAlive(Number(pidText));
}

async function breakStaleLock(file: string, staleContent: string): Promise<void> {
  const breaker = `${file}.break`;
  let fh;
  try {
    fh = await open(breaker, "wx", 0o644);
  } catch (e) {
    if (errnoCode(e) !== "EEXIST") throw fsError(e, `store lock ${breaker}`);
    // Someone else is breaking it; a breaker left by a crashed process expires.
    const st = await stat(breaker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > BREAKER_STALE_MS) await unlink(breaker).catch(() => {});
    else await sleep(5);
    return;
  }
  try {
    if ((await readFile(file, "utf8").catch(() => undefined)) === staleContent) await unlink(file).catch(() => {});
  } finally {
    await fh.close();
    await unlink(breaker).catch(() => {});
  }
}
