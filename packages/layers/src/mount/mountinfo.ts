import { readFile } from "node:fs/promises";
import { unmount } from "./mount.js";

/**
 * Lines of /proc/self/mountinfo that mention `dir` (as mount point, source or in the overlay
 * options), deepest mount point first so they can be unmounted in that order.
 */
export async function mountsMentioning(dir: string): Promise<{ mountPoint: string; line: string }[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8");
  return text
    .split("\n")
    .filter((line) => line.includes(dir))
    .map((line) => ({ mountPoint: unescapeOctal(line.split(" ")[4] ?? ""), line }))
    .reverse();
}

/** Mount points at or below `dir` (exact path prefix), deepest first, ready to unmount in order. */
export async function mountPointsUnder(dir: string): Promise<string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return text
    .split("\n")
    .map((line) => unescapeOctal(line.split(" ")[4] ?? ""))
    .filter((p) => p === dir || p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/**
 * For test teardown: unmounts whatever still mentions `dir` and returns what it found,
 * so a leak is both reported and kept from breaking the removal of `dir`.
 */
export async function unmountLeaks(dir: string): Promise<string[]> {
  const leaks = await mountsMentioning(dir);
  for (const m of leaks) await unmount(m.mountPoint, { retries: 0 }).catch(() => {});
  return leaks.map((m) => m.line);
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
const unescapeOctal = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
