import { StrataError, formatReference, parseReference } from "@strata/core";
import { openStoreOnly, type GlobalOptions } from "../engine.js";
import { registryClient, type RegistryFlags } from "../registry/client.js";
import { transferRenderer } from "../registry/transfer-progress.js";

export interface PushCommandOptions extends RegistryFlags {
  allTags?: boolean;
  quiet?: boolean;
  compression: "gzip" | "zstd";
}

/** `strata push NAME[:TAG]`: Docker's output (stdout), `-q` prints only the name. */
export async function pushCommand(name: string, opts: PushCommandOptions, globals: GlobalOptions): Promise<void> {
  const ref = parseReference(name);
  if (ref.digest) throw new StrataError("INVALID_ARGUMENT", `push ${name}: cannot push a digest reference`, { hint: "push a tag" });
  const store = await openStoreOnly(globals);
  const [{ readImage }, { pushImage }] = await Promise.all([import("@strata/store"), import("@strata/store/registry")]);
  const client = await registryClient(opts, undefined, store);
  const progress = transferRenderer(process.stdout, opts.quiet);
  const explicitTag = /:[^/]+$/.test(name.replace(/@.*/, ""));
  let names: string[];
  if (opts.allTags) {
    if (explicitTag) throw new StrataError("INVALID_ARGUMENT", `tag can't be used with --all-tags/-a`);
    names = (await store.images.list()).map((t) => t.name).filter((n) => parseReference(n).repository === ref.repository).sort();
    if (names.length === 0) throw new StrataError("NOT_FOUND", `An image does not exist locally with the tag: ${ref.repository}`);
  } else {
    if (!explicitTag && !opts.quiet) process.stdout.write("Using default tag: latest\n");
    names = [formatReference(ref)];
  }
  try {
    for (const full of names) {
      const image = await readImage(store, full).catch((e: unknown) => {
        if (e instanceof StrataError && e.code === "NOT_FOUND") {
          throw new StrataError("NOT_FOUND", `An image does not exist locally with the tag: ${full.replace(/:latest$/, "")}`);
        }
        throw e;
      });
      await pushImage(store, image.manifestDesc.digest, full, { client, progress, compression: opts.compression });
      if (opts.quiet) process.stdout.write(`${full}\n`);
    }
  } finally {
    client.close();
  }
}
