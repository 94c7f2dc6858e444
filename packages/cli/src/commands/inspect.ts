import { StrataError, isNotFound } from "@strata/core";
import { openStoreOnly, type GlobalOptions } from "../engine.js";
import { usageError } from "../errors.js";
import { imageSize } from "../image-size.js";
import { imageInspect } from "../inspect/image.js";
import { formatEach } from "../list-format.js";

export interface InspectOptions {
  format?: string;
  /** "container", "image", or any (containers first, as `docker inspect` looks them up). */
  type?: string;
  /** Containers: add SizeRw and SizeRootFs. */
  size?: boolean;
}

/**
 * `strata inspect`: a JSON array in the shape of `docker inspect` (containers, then images:
 * a name is looked up as a container first), or with `-f` a Go template once per object.
 * Like Docker, prints what it found and exits 1 if any was missing.
 */
export async function inspectCommand(refs: string[], opts: InspectOptions, globals: GlobalOptions): Promise<number> {
  if (opts.type !== undefined && opts.type !== "container" && opts.type !== "image") {
    throw usageError(`"${opts.type}" is not a valid value for --type`);
  }
  const store = await openStoreOnly(globals);
  const [{ readImage }, { createSnapshotter }, { RegistryState }] = await Promise.all([import("@strata/store"), import("@strata/layers"), import("@strata/store/registry")]);
  const registry = new RegistryState(store.root);
  const containers = opts.type === "image" ? undefined : await import("./containers/inspect.js").then((m) => m.containerInspector(globals, opts.size ?? false));
  let imageContext: { entries: Awaited<ReturnType<typeof store.images.listAll>>; driver: string } | undefined;
  const out: unknown[] = [];
  let status = 0;
  for (const ref of refs) {
    try {
      const container = containers ? await containers(ref) : undefined;
      if (container) {
        out.push(container);
        continue;
      }
      if (opts.type === "container") throw notFound(ref, "container");
      const image = await readImage(store, ref);
      imageContext ??= { entries: await store.images.listAll(), driver: (await createSnapshotter(store.root)).driver };
      out.push(imageInspect(image, imageContext.entries, imageContext.driver, await imageSize(store, image), registry.repoDigests(image.configDigest)));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      process.stderr.write(`Error: No such ${opts.type === "container" ? "container" : opts.type === "image" ? "image" : "object"}: ${ref}\n`);
      status = 1;
    }
  }
  if (out.length > 0 || !opts.format) process.stdout.write(formatEach(opts.format, out));
  return status;
}

const notFound = (ref: string, what: string) => new StrataError("NOT_FOUND", `No such ${what}: ${ref}`);
