import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { withLock } from "@strata/testkit";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const STRATA_BIN = path.join(REPO_ROOT, "packages/cli/bin/strata");
const BUNDLE = path.join(REPO_ROOT, "packages/cli/dist/bundle/strata.cjs");

let built: Promise<void> | undefined;

/**
 * `npm run build` (tsc -b, then the CLI bundle) once per process, serialised across test files
 * by a lock. STRATA_TEST_NO_BUILD=1 uses the existing build as it is.
 */
export function ensureCliBuilt(): Promise<void> {
  built ??= withLock("strata-tsc-build", async () => {
    if (process.env.STRATA_TEST_NO_BUILD === "1") {
      if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} does not exist (STRATA_TEST_NO_BUILD=1 skips npm run build)`);
      return;
    }
    const r = await execa("npm", ["run", "-s", "build"], { cwd: REPO_ROOT, reject: false, all: true, timeout: 600_000 });
    if (r.exitCode !== 0) throw new Error(`npm run build failed (exit ${r.exitCode}):\n${String(r.all).slice(-4000)}`);
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} does not exist after npm run build`);
  });
  return built;
}

export interface StrataRun {
  stdout: string;
  stderr: string;
}

/** Run `strata --root ROOT [--storage-driver D] args…`; throws with the output on failure. */
export async function strata(
  root: string,
  driver: string | undefined,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<StrataRun> {
  const global = ["--root", root, ...(driver ? ["--storage-driver", driver] : [])];
  const r = await execa(STRATA_BIN, [...global, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    reject: false,
    all: true,
    timeout: opts.timeoutMs ?? 600_000,
    env: { STRATA_PROGRESS: "plain" },
  });
  if (r.exitCode !== 0) {
    throw new Error(`strata ${[...global, ...args].join(" ")} failed (exit ${r.exitCode}):\n${String(r.all).split("\n").slice(-40).join("\n")}`);
  }
  return { stdout: String(r.stdout), stderr: String(r.stderr) };
}
