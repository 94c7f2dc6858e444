import { writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { StrataError, cleanPath, errnoCode, overlayOption, resolveInRoot } from "@strata/core";
import { writeEtcFiles } from "./etc-files.js";
import { saveMountStubs } from "./bundle.js";
import { findMountStubs, removeMountStubs } from "./mount-stubs.js";
import { dropCopyUps } from "./overlay-copy-ups.js";
import type { MountedRootfs } from "./rootfs-mount.js";
import { bindMounts, ociSpec, SYSTEM_MOUNTS } from "./oci-spec.js";
import { processEnv } from "./process-env.js";
import type { RuncCli } from "./runc-cli.js";
import { canceled, runToExit } from "./runc-process.js";
import type { RunIO, RunSpec } from "./types.js";
import { resolveUser } from "./user.js";

/** What `runInBundle` needs besides the spec: a bundle dir, its container id, runc. */
export interface BundleContext {
  runc: RuncCli;
  id: string;
  bundle: string;
  root: MountedRootfs;
  resolvConf: string;
}

/**
 * Prepares the container inside a mounted root (user, working directory, /etc files, mount
 * stubs, config.json) and runs it to completion. Before returning it removes the stub
 * files and drops directories the overlay copied up only for them; the caller releases the root.
 */
export async function runInBundle(ctx: BundleContext, spec: RunSpec, io: RunIO, signal?: AbortSignal) {
  const user = await resolveUser(ctx.root.path, spec.user);
  const cwd = cleanPath(spec.cwd || "/");
  await ensureWorkingDirectory(ctx.root.path, cwd);
  const hostname = spec.hostname ?? ctx.id.replace(/^\d+-/, "").slice(0, 12);
  const etc = await writeEtcFiles(ctx.bundle, hostname, ctx.resolvConf);
  const binds = bindMounts(etc, spec.mounts ?? []);
  const topLevel = SYSTEM_MOUNTS.filter((m) => path.posix.dirname(m.destination) === "/");
  const overlayUpper = overlayOption(spec.rootfs, "upperdir");
  const stubs = await findMountStubs(ctx.root.path, [...topLevel, ...binds].map((m) => m.destination), overlayUpper);
  if (stubs.stubs.length > 0) await saveMountStubs(ctx.bundle, stubs);
  try {
    const config = ociSpec({
      rootPath: ctx.root.path,
      rootReadonly: ctx.root.readonly,
      args: spec.args,
      env: processEnv(spec.env, user.home),
      cwd,
      user,
      hostname,
      network: spec.network ?? "none",
      binds,
    });
    writeFileSync(path.join(ctx.bundle, "config.json"), JSON.stringify(config));
    if (signal?.aborted) throw canceled();
    return await runToExit(ctx.runc, ctx.bundle, ctx.id, io, signal);
  } finally {
    await removeMountStubs(stubs);
    await dropCopyUps(stubs.copyUps);
  }
}

/** Docker creates a missing WORKDIR at RUN time, owned by root. */
async function ensureWorkingDirectory(root: string, cwd: string): Promise<void> {
  const host = await resolveInRoot(root, cwd);
  try {
    await mkdir(host, { recursive: true, mode: 0o755 });
  } catch (e) {
    if (errnoCode(e) === "EEXIST" || errnoCode(e) === "ENOTDIR") {
      throw new StrataError("INVALID_ARGUMENT", `working directory ${cwd} is not a directory`, { cause: e });
    }
    throw e;
  }
}
