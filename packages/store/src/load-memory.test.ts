import { createReadStream, createWriteStream } from "node:fs";
import { chmod, copyFile, mkdir, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Hasher, sha256 } from "@strata/core";
import { buildChildModules, runScript } from "./testsuite/child.js";
import { configFor, makeTmp } from "./testsuite/fixtures.js";

const MB = 1 << 20;
const LAYER_MB = 200;

let tmp: Awaited<ReturnType<typeof makeTmp>>;
beforeAll(async () => {
  tmp = await makeTmp();
  await chmod(tmp.dir, 0o755);
});
afterAll(() => tmp.cleanup());

/** A 200 MB file of base64 text: compressible about like real binaries, never held in memory. */
async function bigFile(file: string): Promise<void> {
  async function* gen() {
    for (let i = 0; i < LAYER_MB; i++) yield Buffer.from(randomBytes((MB * 3) / 4).toString("base64"));
  }
  await pipeline(gen(), createWriteStream(file));
}

async function hashFile(file: string) {
  const h = new Hasher();
  for await (const c of createReadStream(file)) h.update(c);
  return h.digest();
}

it(`loads and saves a ${LAYER_MB} MB layer in bounded memory`, async () => {
  const rootfs = path.join(tmp.dir, "rootfs");
  await mkdir(rootfs);
  await bigFile(path.join(rootfs, "big.bin"));
  const layerTar = path.join(tmp.dir, "layer.tar");
  await tar.c({ cwd: rootfs, file: layerTar }, ["big.bin"]);
  const diffId = await hashFile(layerTar);

  const archiveDir = path.join(tmp.dir, "archive");
  await mkdir(path.join(archiveDir, "layer0"), { recursive: true });
  await copyFile(layerTar, path.join(archiveDir, "layer0", "layer.tar"));
  const config = configFor([{ diffId, file: layerTar, bytes: Buffer.alloc(0) }]);
  const configBytes = JSON.stringify(config);
  await writeFile(path.join(archiveDir, "config.json"), configBytes);
  await writeFile(path.join(archiveDir, "manifest.json"), JSON.stringify([{ Config: "config.json", RepoTags: ["big:1"], Layers: ["layer0/layer.tar"] }]));
  const archive = path.join(tmp.dir, "big.tar");
  await tar.c({ cwd: archiveDir, file: archive }, ["layer0", "config.json", "manifest.json"]);

  const mods = await buildChildModules(path.join(tmp.dir, "mods"));
  const root = path.join(tmp.dir, "root");
  const r = await runScript(
    tmp.dir,
    "big.mjs",
    `import { openStore, loadArchive, saveArchive } from ${JSON.stringify(mods)};
     const store = await openStore(${JSON.stringify(root)});
     const peak = () => process.resourceUsage().maxRSS * 1024;
     const time = async (fn) => { const t = performance.now(); await fn(); return (performance.now() - t) / 1000; };
     const load = await time(() => loadArchive(store, ${JSON.stringify(archive)}));
     const loadPeak = peak();
     const saveDocker = await time(() => saveArchive(store, ["big:1"], ${JSON.stringify(path.join(tmp.dir, "out-docker.tar"))}, { format: "docker" }));
     const saveGzip = await time(() => saveArchive(store, ["big:1"], ${JSON.stringify(path.join(tmp.dir, "out-gzip.tar"))}, { format: "oci" }));
     const saveZstd = await time(() => saveArchive(store, ["big:1"], ${JSON.stringify(path.join(tmp.dir, "out-zstd.tar"))}, { format: "oci", compression: "zstd" }));
     const store2 = await openStore(${JSON.stringify(path.join(tmp.dir, "root2"))});
     const gz = await time(() => loadArchive(store2, ${JSON.stringify(path.join(tmp.dir, "out-gzip.tar"))}));
     console.log(JSON.stringify({ load, loadPeak, saveDocker, saveGzip, saveZstd, loadGzip: gz, peak: peak() }));`,
  );
  const m = JSON.parse(String(r.stdout)) as Record<string, number>;
  const mbps = (s: number) => `${(LAYER_MB / s).toFixed(0)} MB/s`;
  console.log(
    `layer ${LAYER_MB} MB: load ${mbps(m.load!)}, save docker ${mbps(m.saveDocker!)}, save oci+gzip ${mbps(m.saveGzip!)}, ` +
      `save oci+zstd ${mbps(m.saveZstd!)}, load oci+gzip ${mbps(m.loadGzip!)}; peak RSS after load ${(m.loadPeak! / MB).toFixed(0)} MB, ` +
      `overall ${(m.peak! / MB).toFixed(0)} MB`,
  );
  expect(m.loadPeak).toBeLessThan(150 * MB);
  expect(m.peak).toBeLessThan(200 * MB);
  expect(sha256(configBytes)).toMatch(/^sha256:/);
}, 600_000);
