#!/usr/bin/env node
/**
 * `node packages/testkit/dist/make-busybox.js OUT [--tag busybox:latest]`
 * Writes the deterministic busybox docker-archive to OUT and prints its image ID and diffID.
 */
import { buildBusyboxArchive } from "./busybox-archive.js";

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let tag: string | undefined;
  const t = args.indexOf("--tag");
  if (t >= 0) {
    tag = args[t + 1];
    args.splice(t, 2);
  }
  const out = args[0];
  if (!out || args.length !== 1 || !tag && t >= 0) {
    process.stderr.write("usage: make-busybox OUT [--tag NAME:TAG]\n");
    return 2;
  }
  const { imageId, diffId } = await buildBusyboxArchive(out, { tag });
  process.stdout.write(`${out}\nimage ${imageId}\nlayer ${diffId}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`make-busybox: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
