import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSnapshotter } from "./factory.js";

/**
 * Several OS processes preparing on one root at once: only the lock file keeps the metadata
 * whole here. Children run the compiled package (built by the global test setup, `tsc -b`).
 */
const dist = fileURLToPath(new URL("../../dist/snapshot/index.js", import.meta.url));

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "strata-snap-multiproc-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const child = `
const { createSnapshotter } = await import(process.argv[1]);
const [root, driver, tag, count] = process.argv.slice(2);
const sn = await createSnapshotter(root, driver);
await Promise.all(Array.from({ length: Number(count) }, (_, i) => sn.prepare(tag + "-" + i, "base")));
`;

describe("snapshotters shared by several processes (needs the built dist/)", () => {
  beforeAll(() => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run npx tsc -b (the root vitest globalSetup does)`);
  });
  for (const driver of ["overlay", "native"] as const) {
    it(`${driver}: keeps every prepare from 3 processes`, async () => {
      const root = await mkdtemp(path.join(base, `${driver}-`));
      const sn = await createSnapshotter(root, driver);
      await sn.prepare("base-key");
      await sn.commit("base", "base-key");

      const tags = ["p0", "p1", "p2"];
      // allSettled: no child may still be writing when the root is deleted.
      const runs = await Promise.allSettled(
        tags.map((tag) => execa("node", ["--input-type=module", "-e", child, dist, root, driver, tag, "15"])),
      );
      expect(runs.filter((r) => r.status === "rejected")).toEqual([]);

      const names: string[] = [];
      await (await createSnapshotter(root, driver)).walk((info) => void names.push(info.name));
      expect(names).toHaveLength(1 + tags.length * 15);
      for (const tag of tags) expect(names).toContain(`${tag}-14`);
    });
  }
});
