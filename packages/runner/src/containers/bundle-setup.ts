import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import path from "node:path";
import { StrataError, cleanPath, errnoCode, resolveInRoot, type Mount } from "@strata/core";
import { mountAll, mountPointsUnder, unmount } from "@strata/layers";
import { readHostResolvConf, writeEtcFiles } from "../etc-files.js";
import type { OciMount } from "../oci-spec.js";
import { processEnv } from "../process-env.js";
import { resolveUser } from "../user.js";
import { containerSpec } from "./container-spec.js";
import type { ContainerLayout } from "./layout.js";
import type { ContainerRecord } from "./types.js";

/** Files of conmon's and runc's in the runtime directory that a new start must not find. */
const STALE_FILES = ["exit", "pidfile", "conmon.pid", "attach", "ctl", "winsz", "config.json", "conmon.err"];

/**
 * Makes the container's runtime directory a runc bundle: the writable layer mounted on
 * `rootfs/`, the user resolved and the working directory made inside it (Docker creates a
 * missing WORKDIR in the container's layer), hosts/hostname/resolv.conf, and config.json.
 */
export async function setUpBundle(
  layout: ContainerLayout,
  rec: ContainerRecord,
  rootfsMounts: readonly Mount[],
  extraMounts: (rootPath: string) => Promise<OciMount[]>,
): Promise<void> {
  const dir = layout.runtime(rec.id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const f of STALE_FILES) rmSync(path.join(dir, f), { force: true });
  const rootfs = layout.rootfs(rec.id);
  await releaseMounts(dir);
  mkdirSync(rootfs, { recursive: true });
  await mountAll(rootfsMounts, rootfs);
  const user = await resolveUser(rootfs, rec.config.User);
  const cwd = cleanPath(rec.config.WorkingDir || "/");
  await ensureWorkingDirectory(rootfs, cwd);
  const hostNetwork = rec.hostConfig.NetworkMode === "host";
  const etc = await writeEtcFiles(dir, rec.config.Hostname, await readHostResolvConf());
  if (hostNetwork) copyFileSync("/etc/hosts", etc.hosts);
  const spec = containerSpec({
    rootPath: rootfs,
    readonly: rec.hostConfig.ReadonlyRootfs,
    args: [rec.path, ...rec.args],
    env: processEnv(rec.config.Env, user.home),
    cwd,
    user,
    hostname: hostNetwork ? osHostname() : rec.config.Hostname,
    network: hostNetwork ? "host" : "none",
    terminal: rec.config.Tty,
    init: rec.hostConfig.Init,
    etc,
    mounts: await extraMounts(rootfs),
  });
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(spec));
}

/** Unmounts whatever is mounted under the runtime directory (the rootfs, deepest first). */
export async function releaseMounts(runtimeDir: string): Promise<void> {
  for (const point of await mountPointsUnder(runtimeDir)) await unmount(point);
}

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
