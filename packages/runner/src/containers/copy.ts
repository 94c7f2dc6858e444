import { lstatSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { StrataError, errnoCode, runStreaming } from "@strata/core";
import { applyLayer, readTar, type TarEntry } from "@strata/layers";

/**
 * Resolves `p` (a path inside the container) to a host path under `root`, following symlinks as
 * the container would see them, and refusing any `..` or symlink that would climb out of the
 * root (Docker clamps such paths silently; strata says so instead). The last component is
 * followed only when `followLast`.
 */
export function resolveStrict(root: string, p: string, followLast: boolean): string {
  const escape = () => new StrataError("INVALID_ARGUMENT", `${p}: the path escapes the container's root filesystem`);
  const pending = p.split("/").filter((s) => s !== "" && s !== ".");
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "..") {
      if (resolved.length === 0) throw escape();
      resolved.pop();
      continue;
    }
    const host = path.join(root, ...resolved, part);
    const last = pending.length === 0;
    let target: string | undefined;
    try {
      if ((!last || followLast) && lstatSync(host).isSymbolicLink()) target = readlinkSync(host);
    } catch (e) {
      if (errnoCode(e) !== "ENOENT" && errnoCode(e) !== "ENOTDIR") throw e;
    }
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new StrataError("INVALID_ARGUMENT", `${p}: too many levels of symbolic links`);
    if (target.startsWith("/")) resolved.length = 0;
    pending.unshift(...target.split("/").filter((s) => s !== "" && s !== "."));
  }
  return path.join(root, ...resolved);
}

const lstatOrUndefined = (p: string) => {
  try {
    return lstatSync(p);
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
    throw e;
  }
};

/** GNU tar of one path, owners numeric, xattrs kept, symlinks stored as symlinks. */
function tarOf(dir: string, name: string, transform?: string): ReturnType<typeof runStreaming> {
  const args = ["--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", dir, "-cf", "-"];
  if (transform !== undefined) args.push(`--transform=${transform}`);
  args.push("--", name);
  return runStreaming("tar", args);
}

/**
 * `cp CONTAINER:SRC DEST`: copies from the container's root view (`root`) to the host, with
 * Docker's rules for where it lands; DEST "-" writes a tar to `stdout`. Modes, owners, times,
 * hardlinks and xattrs are kept; symlinks inside the copy stay symlinks.
 */
export async function copyFromContainer(root: string, src: string, dest: string, opts: { followLink?: boolean; stdout?: Writable } = {}): Promise<void> {
  const contentsOnly = /\/\.$/.test(src);
  const host = resolveStrict(root, src, opts.followLink ?? false);
  const st = lstatOrUndefined(host);
  if (!st) throw new StrataError("NOT_FOUND", `Could not find the file ${src} in container`);
  const parent = path.dirname(host);
  const base = path.basename(host);
  if (dest === "-") {
    const tar = tarOf(parent, base);
    await pipeTo(tar.stdout, opts.stdout ?? process.stdout);
    await tar.done;
    return;
  }
  const destSt = (() => {
    try {
      return statSync(dest);
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return undefined;
      throw e;
    }
  })();
  if (st.isDirectory()) {
    if (destSt && !destSt.isDirectory()) throw new StrataError("INVALID_ARGUMENT", `cannot copy a directory to a file: ${dest}`);
    // Into an existing directory: as DEST/NAME (or its contents with SRC/.); else DEST is made.
    const target = destSt && !contentsOnly ? path.join(dest, base) : dest;
    await extractTo(path.dirname(target), tarOf(host, ".", `s,^\\.,${escapeReplacement(path.basename(target))},S`));
    return;
  }
  if (!destSt && dest.endsWith("/")) throw new StrataError("NOT_FOUND", `destination directory ${dest} must exist`);
  const target = destSt?.isDirectory() ? path.join(dest, base) : dest;
  await extractTo(path.dirname(target), tarOf(parent, base, `s,^${escapeSed(base)}$,${escapeReplacement(path.basename(target))},S`));
}

async function extractTo(dir: string, tar: ReturnType<typeof runStreaming>): Promise<void> {
  const x = runStreaming("tar", ["--numeric-owner", "--xattrs", "--xattrs-include=*", "--same-permissions", "--same-owner", "-C", dir, "-xf", "-"], {
    stdin: "pipe",
  });
  await pipeTo(tar.stdout, x.stdin!);
  await Promise.all([tar.done, x.done]);
}

const escapeSed = (s: string) => s.replace(/[\\,.*[\]^$]/g, (c) => `\\${c}`);
const escapeReplacement = (s: string) => s.replace(/[\\,&]/g, (c) => `\\${c}`);

function pipeTo(from: Readable, to: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    from.on("error", reject);
    to.on("error", reject);
    from.on("end", () => (to === process.stdout ? resolve() : to.end(() => resolve())));
    from.pipe(to, { end: false });
  });
}

/**
 * `cp SRC CONTAINER:DEST`: unpacks SRC (a host path, or a tar read from `stdin` for "-") into
 * the container's root view with the layer applier, which resolves every parent inside the root
 * and never writes through a symlink: nothing lands outside the container.
 */
export async function copyToContainer(root: string, src: string, dest: string, opts: { stdin?: Readable } = {}): Promise<void> {
  const contentsOnly = /\/\.$/.test(src);
  const destHost = resolveStrict(root, dest, true);
  const destSt = destHost === root ? statSync(root) : lstatOrUndefined(destHost);
  let prefix: string;
  let stream: AsyncIterable<Uint8Array>;
  let done: Promise<void> = Promise.resolve();
  if (src === "-") {
    if (!destSt?.isDirectory()) throw new StrataError("INVALID_ARGUMENT", `destination ${dest} must be a directory in the container`);
    prefix = path.relative(root, destHost);
    stream = opts.stdin ?? process.stdin;
  } else {
    const st = lstatOrUndefined(src);
    if (!st) throw new StrataError("NOT_FOUND", `${src}: no such file or directory`);
    const parentHost = path.dirname(destHost);
    // (stat: the root itself may be /proc/PID/root, a symlink to the container's root.)
    if (parentHost !== root && !lstatOrUndefined(parentHost)?.isDirectory()) throw new StrataError("NOT_FOUND", `Could not find the file ${path.posix.dirname(dest)} in container`);
    if (st.isDirectory() && destSt && !destSt.isDirectory()) throw new StrataError("INVALID_ARGUMENT", `cannot copy a directory to a file: ${dest}`);
    if (!st.isDirectory() && !destSt && dest.endsWith("/")) throw new StrataError("NOT_FOUND", `destination directory ${dest} must exist`);
    // Entries come as NAME/…; they land in TARGETDIR as TARGETNAME/….
    const intoDir = destSt?.isDirectory() === true;
    const targetHost = intoDir && !(st.isDirectory() && contentsOnly) ? path.join(destHost, path.basename(src)) : destHost;
    prefix = path.relative(root, targetHost);
    const tar = st.isDirectory() ? tarOf(src, ".") : tarOf(path.dirname(path.resolve(src)), path.basename(src), `s,.*,.,S`);
    stream = tar.stdout;
    done = tar.done;
  }
  await applyLayer(root, renamed(readTar(stream), prefix), { whiteouts: "plain" });
  await done;
}

/** Tar entries named `./x` (or `.`) moved under `prefix`. */
async function* renamed(entries: AsyncIterable<TarEntry>, prefix: string): AsyncGenerator<TarEntry> {
  const move = (n: string) => {
    const rel = n.replace(/^\.\/?/, "").replace(/^\/+/, "");
    return rel === "" ? prefix : path.posix.join(prefix, rel);
  };
  for await (const e of entries) {
    yield { ...e, name: move(e.name), linkname: e.type === "1" ? move(e.linkname) : e.linkname };
  }
}
