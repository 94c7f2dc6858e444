import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import type { Mount } from "@strata/core";

export const sh = (script: string, cwd: string) => execa("sh", ["-euc", script], { cwd });

/** Mtime of everything in the lower tree (2020-01-01) and the SOURCE_DATE_EPOCH used to clamp changes (2023-11-14). */
export const LOWER_TIME = 1577836800;
export const SDE = 1700000000;

/** A base tree with the kinds of objects layers must carry. */
export const LOWER_SCRIPT = `
mkdir -p etc bin d1 d2/sub d3 d4 d5 f2dir keep/deep
printf 'root:x:0:0\\n' > etc/passwd
printf 'root:x:0:\\n' > etc/group
printf 'busybox' > bin/sh
printf 'a' > d1/a; printf 'b' > d1/b
printf 'x' > d2/sub/x
printf 'old' > d3/old1; printf 'old' > d3/old2
printf 'd4' > d4/inner
printf '1' > d5/one; printf '2' > d5/two
printf 'f2' > f2
printf 'same' > keep/deep/same
printf 'caps' > bin/ping
ln -s etc/passwd relative-link
printf 'hl' > hl1 && ln hl1 hl2
find . -exec touch -h -d @${LOWER_TIME} {} +
`;

/** One RUN step's worth of changes, run with the root as working directory. */
export const CHANGE_SCRIPT = `
mkdir -p new/dir && printf 'new' > new/file && printf 'f' > new/dir/f
printf 'user:x:1000:1000\\n' >> etc/passwd
rm d1/a
rm -rf d2
rm -rf d3 && mkdir d3 && printf 'fresh' > d3/new
rm f2 && mkdir f2 && printf 'in' > f2/in
rm -rf d4 && printf 'now a file' > d4
rm d5/one d5/two
ln new/file new/file-link
ln -s /etc/passwd new/abs-link
mkdir -m 1777 new/tmp
printf 'suid' > new/suid && chmod 4755 new/suid
printf 'sgid' > new/sgid && chmod 2711 new/sgid
printf 'owned' > new/owned && chown 1000:2000 new/owned
printf 'big' > new/bigid && chown 3000000:4000000 new/bigid
mkdir -p new/${"a".repeat(60)} && printf 'long' > new/${"a".repeat(60)}/${"b".repeat(60)}
printf 'utf' > 'new/é'
setcap cap_net_raw+ep bin/ping
printf 'cap' > new/capfile && setcap cap_net_bind_service+ep new/capfile
`;

export interface OverlayFixture {
  dir: string;
  lower: string;
  upperdir: string;
  work: string;
  merged: string;
  /** The mounts a snapshotter would hand out for the active snapshot. */
  upperMounts: Mount[];
  lowerMounts: Mount[];
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = "strata-diff-"): Promise<string> {
  return mkdtemp(path.join(process.env.STRATA_TEST_TMP ?? tmpdir(), prefix));
}

/** lower (built by `lowerScript`), an overlay on it changed by `changeScript`, unmounted again. */
export async function overlayFixture(lowerScript: string, changeScript: string): Promise<OverlayFixture> {
  const dir = await tempDir();
  const [lower, upperdir, work, merged] = ["lower", "upper", "work", "merged"].map((d) => path.join(dir, d)) as [string, string, string, string];
  for (const d of [lower, upperdir, work, merged]) await mkdir(d);
  await sh(lowerScript, lower);
  const options = [`lowerdir=${lower}`, `upperdir=${upperdir}`, `workdir=${work}`];
  await execa("mount", ["-t", "overlay", "overlay", "-o", options.join(","), merged]);
  try {
    await sh(changeScript, merged);
  } finally {
    await execa("umount", [merged]);
  }
  return {
    dir,
    lower,
    upperdir,
    work,
    merged,
    upperMounts: [{ type: "overlay", source: "overlay", options }],
    lowerMounts: [{ type: "bind", source: lower, options: ["rbind", "ro"] }],
    cleanup: async () => {
      await execa("umount", [merged], { reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The same change made natively: a copy of lower (cp -a) changed in place. */
export async function nativeCopy(lower: string, changeScript: string, into: string): Promise<string> {
  await execa("cp", ["-a", lower, into]);
  await sh(changeScript, into);
  return into;
}

/** `tar -tv --numeric-owner` lines without the date column, for stable comparisons. */
export async function tarListing(file: string): Promise<string[]> {
  const { stdout } = await execa("tar", ["--numeric-owner", "-tvf", file], { env: { LC_ALL: "C", TZ: "UTC" } });
  return stdout.split("\n").filter(Boolean);
}
