import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export const PASSWD = ["root:x:0:0:root:/root:/bin/sh", "app:x:1000:1000:app:/home/app:/bin/sh", "nobody:x:65534:65534:nobody:/nonexistent:/bin/false", ""].join("\n");
export const GROUP = ["root:x:0:", "app:x:1000:", "staff:x:50:app", "audio:x:29:app,root", "nogroup:x:65534:", ""].join("\n");

const applets = (): string[] => execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);

/**
 * Fills `dir` with a busybox-static userland: /bin/busybox plus one symlink per applet, and,
 * unless `etc` is false, an /etc with passwd and group (root, app 1000 in staff and audio, nobody).
 */
export async function writeBusyboxRootfs(dir: string, opts: { etc?: boolean } = {}): Promise<void> {
  await mkdir(path.join(dir, "bin"), { recursive: true });
  await copyFile("/bin/busybox", path.join(dir, "bin", "busybox"));
  await Promise.all(
    applets()
      .filter((a) => a !== "busybox")
      .map((a) => symlink("busybox", path.join(dir, "bin", a))),
  );
  if (opts.etc === false) return;
  await mkdir(path.join(dir, "etc"));
  await writeFile(path.join(dir, "etc", "passwd"), PASSWD);
  await writeFile(path.join(dir, "etc", "group"), GROUP);
  await mkdir(path.join(dir, "root"), { mode: 0o700 });
}

/** A temp directory removed by `dispose`. */
export async function tempDir(prefix: string): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
