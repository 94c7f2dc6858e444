// Child process for the big-layer test: diffs `upper` (a plain directory, no lower) into a file
// store and prints peak RSS (VmHWM) and throughput as JSON. Imports the built package (dist).
import { createHash } from "node:crypto";
import { open, mkdir, rename, readFile } from "node:fs/promises";
import path from "node:path";
import { createDiffer } from "../../../dist/diff/index.js";

const [upper, storeDir, mode] = process.argv.slice(2);
await mkdir(storeDir, { recursive: true });
const store = {
  async writer() {
    const tmp = path.join(storeDir, `ingest-${process.pid}`);
    const fh = await open(tmp, "w");
    const hash = createHash("sha256");
    let size = 0;
    return {
      async write(chunk) {
        if (mode !== "nohash" && mode !== "none") hash.update(chunk);
        size += chunk.length;
        if (mode !== "nowrite" && mode !== "none") await fh.write(chunk);
      },
      async commit(expected) {
        await fh.close();
        const digest = mode === "nohash" || mode === "none" ? expected.digest : `sha256:${hash.digest("hex")}`;
        await rename(tmp, path.join(storeDir, digest.slice(7)));
        return { digest, size };
      },
      async abort() { await fh.close(); },
    };
  },
  read() { throw new Error("unused"); },
};
const t0 = process.hrtime.bigint();
const layer = await createDiffer(store).compare([], [{ type: "bind", source: upper, options: [] }]);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const status = await readFile("/proc/self/status", "utf8");
const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
console.log(JSON.stringify({ size: layer.descriptor.size, seconds, mbPerSecond: layer.descriptor.size / 1e6 / seconds, peakRssMB: peakKiB / 1024, diffId: layer.diffId }));
