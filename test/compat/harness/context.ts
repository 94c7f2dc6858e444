import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import type { CompatCase } from "./cases.js";

/**
 * The base image a case is built on: the project's busybox (its config has PATH, Cmd, the
 * owners the cases expect) or `bare`, the same files imported with an empty config, as
 * `docker import` makes one. A case's Dockerfiles say `FROM busybox`; for `bare` the prepared
 * copy says the bare base's tag instead.
 */
export type CompatBase = { name: "busybox" } | { name: "bare"; tag: string };

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
export function prepareContext(c: CompatCase, base: CompatBase = { name: "busybox" }): Promise<string> {
  const key = `${c.name}@${base.name}`;
  let p = prepared.get(key);
  if (!p) {
    p = (async () => {
      contextsDir ??= mkdir(COMPAT_TMP, { recursive: true }).then(() => mkdtemp(path.join(COMPAT_TMP, "contexts-")));
      const ctx = path.join(await contextsDir, base.name === "busybox" ? c.name : `${c.name}@${base.name}`);
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
      if (base.name === "bare") await rebase(ctx, base.tag, (c.spec.prebuild ?? []).map((p) => p.tag));
      return ctx;
    })();
    prepared.set(key, p);
  }
  return p;
}

/** A case's build args for `base`: an arg naming busybox names the base instead. */
export function buildArgsFor(args: Record<string, string> | undefined, base: CompatBase = { name: "busybox" }): Record<string, string> | undefined {
  if (!args || base.name === "busybox") return args;
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, /^busybox(:latest)?$/.test(v) ? base.tag : v]));
}

/** The tag a case's prebuilt image gets when the case is built on `base` (one per base, so runs never mix them). */
export const prebuildTag = (tag: string, base: CompatBase = { name: "busybox" }) => (base.name === "busybox" ? tag : `${tag}-${base.name}`);

/**
 * Points every `FROM busybox` and `--from=busybox` of the context's Dockerfiles at `tag`, and
 * every use of a prebuilt image at its bare-base twin.
 */
async function rebase(ctx: string, tag: string, prebuilt: string[]): Promise<void> {
  for (const name of await readdir(ctx)) {
    if (!name.startsWith("Dockerfile")) continue;
    const file = path.join(ctx, name);
    const text = await readFile(file, "utf8");
    const rebased = text
      .replace(/^(\s*FROM\s+(?:--platform=\S+\s+)?)busybox(?::latest)?(?=\s|$)/gim, `$1${tag}`)
      .replace(/--from=busybox(?::latest)?(?=\s)/g, `--from=${tag}`)
      .replace(/^(\s*ARG\s+\w+=)busybox(?::latest)?(?=\s|$)/gim, `$1${tag}`)
      .replace(/^(\s*FROM\s+)(\S+)/gim, (line, from: string, image: string) => (prebuilt.includes(image) ? `${from}${image}-bare` : line));
    await writeFile(file, rebased);
  }
}
