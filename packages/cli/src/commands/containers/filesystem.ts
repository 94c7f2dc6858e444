import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import type { GlobalOptions } from "../../engine.js";
import { usageError } from "../../errors.js";
import { openContainers } from "./service.js";

/** `strata diff CONTAINER`: Docker's A/C/D lines. */
export async function diffCommand(ref: string, g: GlobalOptions): Promise<void> {
  const svc = await openContainers(g);
  const changes = await svc.files.changes(ref);
  process.stdout.write(changes.map((c) => `${c.kind} ${c.path}\n`).join(""));
}

/** `strata commit [-a] [-c] [-m] [-p] CONTAINER [REPOSITORY[:TAG]]`: prints the new image ID. */
export async function commitCommand(
  ref: string,
  repository: string | undefined,
  o: { author?: string; change: string[]; message?: string; pause: boolean },
  g: GlobalOptions,
): Promise<void> {
  const [{ applyConfigChanges }, { normalizeTag }] = await Promise.all([import("@strata/builder"), import("@strata/store")]);
  const tag = repository === undefined ? undefined : normalizeTag(repository);
  // Bad -c instructions fail before anything is written.
  if (o.change.length > 0) applyConfigChanges({ architecture: "", os: "", config: {}, rootfs: { type: "layers", diff_ids: [] } }, o.change);
  const svc = await openContainers(g);
  const image = await svc.files.commit(ref, {
    author: o.author,
    message: o.message,
    pause: o.pause,
    applyChanges: o.change.length > 0 ? (c) => applyConfigChanges(c, o.change) : undefined,
  });
  if (tag) await svc.store.images.put(tag, image.manifest);
  else await svc.store.images.putUntagged(image.manifest);
  process.stdout.write(`${image.configDigest}\n`);
}

/** `strata export CONTAINER [-o FILE]`: the flattened filesystem; a file is written whole or not at all. */
export async function exportCommand(ref: string, o: { output?: string }, g: GlobalOptions): Promise<void> {
  const svc = await openContainers(g);
  if (!o.output || o.output === "-") {
    if (process.stdout.isTTY) throw usageError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    await svc.files.export(ref, process.stdout);
    return;
  }
  const file = path.resolve(o.output);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const out = createWriteStream(tmp);
    await svc.files.export(ref, out);
    await finished(out);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** `strata cp [-L] SRC DEST`, one side `CONTAINER:PATH`; "-" streams a tar. */
export async function cpCommand(src: string, dest: string, o: { followLink?: boolean; archive?: boolean }, g: GlobalOptions): Promise<void> {
  const from = splitContainerPath(src);
  const to = splitContainerPath(dest);
  if (from && to) throw usageError("copying between containers is not supported");
  if (!from && !to) throw usageError("must specify at least one container source");
  const svc = await openContainers(g);
  if (from) {
    if (from.path === "") throw usageError("empty path in the container");
    await svc.files.copyFrom(from.container, from.path, dest, { followLink: o.followLink });
    return;
  }
  if (to!.path === "") throw usageError("empty path in the container");
  await svc.files.copyTo(to!.container, src, to!.path);
}

/** "name:/path" → its parts; a local path (with "/" before any ":", or none) → undefined, as Docker splits. */
function splitContainerPath(arg: string): { container: string; path: string } | undefined {
  if (arg === "-" || arg.startsWith("/") || arg.startsWith(".")) return undefined;
  const colon = arg.indexOf(":");
  if (colon <= 0) return undefined;
  const slash = arg.indexOf("/");
  if (slash >= 0 && slash < colon) return undefined;
  const p = arg.slice(colon + 1);
  if (p !== "" && !p.startsWith("/")) return { container: arg.slice(0, colon), path: `/${p}` };
  return { container: arg.slice(0, colon), path: p };
}
