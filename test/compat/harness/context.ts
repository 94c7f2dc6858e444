import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import type { CompatCase } from "./cases.js";

export const COMPAT_TMP = process.env.STRATA_COMPAT_TMP ?? "/tmp/strata-compat";

const prepared = new Map<string, Promise<string>>();
let contextsDir: Promise<string> | undefined;

/** Remove this process's prepared contexts (unless STRATA_KEEP_COMPAT_OUTPUT is set). */
export async function cleanupContexts(): Promise<void> {
  const dir = await contextsDir;
  prepared.clear();
  contextsDir = undefined;
  if (dir && !process.env.STRATA_KEEP_COMPAT_OUTPUT) await rm(dir, { recursive: true, force: true });
}

/**
 * A fresh copy of the case directory to use as the build context (both builders get the same
 * one), after running its `setup.sh` (sh, cwd = the copy) and/or `prepare.ts` hook
 * (`export default async (ctx: string) => {…}`): git keeps neither owners, hardlinks nor most modes.
 */
export function prepareContext(c: CompatCase): Promise<string> {
  let p = prepared.get(c.name);
  if (!p) {
    p = (async () => {
      contextsDir ??= mkdir(COMPAT_TMP, { recursive: true }).then(() => mkdtemp(path.join(COMPAT_TMP, "contexts-")));
      const ctx = path.join(await contextsDir, c.name);
      await execa("cp", ["-a", c.dir, ctx]);
      if (existsSync(path.join(ctx, "setup.sh"))) {
        const r = await execa("sh", ["-e", "setup.sh"], { cwd: ctx, reject: false, all: true });
        if (r.exitCode !== 0) throw new Error(`${c.name}/setup.sh failed (exit ${r.exitCode}):\n${r.all}`);
      }
      const hook = path.join(c.dir, "prepare.ts");
      if (existsSync(hook)) {
        const mod = (await import(hook)) as { default: (ctx: string) => Promise<void> | void };
        await mod.default(ctx);
      }
      return ctx;
    })();
    prepared.set(c.name, p);
  }
  return p;
}
