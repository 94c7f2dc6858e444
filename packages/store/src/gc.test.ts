import { chmod } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { collectGarbage, openStore, readImage } from "./index.js";
import { buildChildModules, runScript } from "./testsuite/child.js";
import { makeDockerArchive, makeLayer, makeTmp } from "./testsuite/fixtures.js";

let tmp: Awaited<ReturnType<typeof makeTmp>>;
beforeAll(async () => {
  tmp = await makeTmp();
  await chmod(tmp.dir, 0o755);
});
afterAll(() => tmp.cleanup());

it("GC in one process does not delete what a load in another process has not tagged yet", async () => {
  const layers = [];
  for (let i = 0; i < 4; i++) layers.push(await makeLayer(tmp.dir, `gc${i}`, { [`data${i}.bin`]: randomBytes(8 << 20) }));
  const { file, configDigest } = await makeDockerArchive(tmp.dir, { layers, tags: ["gc/app:1"] });
  const mods = await buildChildModules(path.join(tmp.dir, "mods"));
  const root = path.join(tmp.dir, "root");
  const store = await openStore(root);
  const loader = runScript(
    tmp.dir,
    "load.mjs",
    `import { openStore, loadArchive } from ${JSON.stringify(mods)};
     await loadArchive(await openStore(${JSON.stringify(root)}), ${JSON.stringify(file)});`,
  );
  let done = false;
  let runs = 0;
  void loader.finally(() => (done = true));
  while (!done) {
    await collectGarbage(store);
    runs++;
  }
  await loader;
  expect(runs).toBeGreaterThan(1);
  const img = await readImage(store, "gc/app:1");
  expect(img.configDigest).toBe(configDigest);
  for (const l of img.manifest.layers) expect(await store.content.has(l.digest)).toBe(true);
  expect((await collectGarbage(store)).removed).toEqual([]);
});
