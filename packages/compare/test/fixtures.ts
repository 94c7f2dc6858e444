import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { dir, file, hardlink, symlink, type TarMember } from "@strata/testkit";

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const d = await mkdtemp(path.join(tmpdir(), "strata-compare-"));
  return { dir: d, cleanup: () => rm(d, { recursive: true, force: true }) };
}

const DIRS = ["a", "a/b", "c"];
const NAMES = ["x", "y", "z"];
const PATHS = [...NAMES, ...DIRS.flatMap((d) => NAMES.map((n) => `${d}/${n}`)), ...DIRS];

/** One member of a random layer: files (a few contents and modes), dirs, symlinks, hardlinks, whiteouts, opaque markers. */
const member: fc.Arbitrary<TarMember> = fc.oneof(
  fc.record({ p: fc.constantFrom(...PATHS), c: fc.constantFrom("", "1", "22", "333", "4444"), m: fc.constantFrom(0o644, 0o755, 0o4755), u: fc.constantFrom(0, 1000), t: fc.constantFrom(0, 100) }).map(({ p, c, m, u, t }) => file(p, c, m, { uid: u, mtime: t })),
  fc.record({ p: fc.constantFrom(...DIRS), m: fc.constantFrom(0o755, 0o700, 0o1777) }).map(({ p, m }) => dir(`${p}/`, m)),
  fc.record({ p: fc.constantFrom(...PATHS), t: fc.constantFrom("x", "/a/b", "../c/z", "nowhere") }).map(({ p, t }) => symlink(p, t)),
  fc.record({ p: fc.constantFrom(...PATHS), t: fc.constantFrom(...PATHS) }).map(({ p, t }) => hardlink(p, t)),
  fc.constantFrom(...PATHS).map((p) => file(p.includes("/") ? `${p.slice(0, p.lastIndexOf("/"))}/.wh.${p.slice(p.lastIndexOf("/") + 1)}` : `.wh.${p}`, "")),
  fc.constantFrom(...DIRS).map((d) => file(`${d}/.wh..wh..opq`, "")),
);

export const layer = fc.array(member, { minLength: 1, maxLength: 8 });
export const layers = fc.array(layer, { minLength: 1, maxLength: 4 });
