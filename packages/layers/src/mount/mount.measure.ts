import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mount } from "@strata/core";
import { mountAll, unmount } from "./mount.js";
import { mountHelper, resetMountHelper } from "./mount-helper.js";

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

/**
 * One overlay mount and its unmount, through the syscall helper and through mount(8)/umount(8),
 * interleaved so that a busy machine slows both alike. A measurement, not a test:
 * `ROUNDS=50 npm run bench:micro` (default 20 rounds). Needs root.
 */
describe("mount + umount cost", () => {
  let base: string;
  let mounts: Mount[];
  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), "strata-mount-measure-"));
    for (const d of ["lower", "upper", "work", "target"]) await mkdir(path.join(base, d));
    await writeFile(path.join(base, "lower", "f"), "f");
    mounts = [{ type: "overlay", source: "overlay", options: [`workdir=${base}/work`, `upperdir=${base}/upper`, `lowerdir=${base}/lower`] }];
  });
  afterAll(async () => {
    delete process.env.STRATA_MOUNT;
    resetMountHelper();
    await rm(base, { recursive: true, force: true });
  });

  it("through the helper and through mount(8)", async () => {
    const target = path.join(base, "target");
    const samples: Record<string, { mount: number[]; unmount: number[] }> = { helper: { mount: [], unmount: [] }, "mount(8)": { mount: [], unmount: [] } };
    const rounds = Number(process.env.ROUNDS ?? 20);
    for (let i = 0; i < rounds; i++) {
      for (const [name, env] of [["helper", undefined], ["mount(8)", "mount"]] as const) {
        if (env) process.env.STRATA_MOUNT = env;
        else delete process.env.STRATA_MOUNT;
        resetMountHelper();
        expect(mountHelper() === undefined).toBe(env !== undefined);
        await mountAll(mounts, target).then(() => unmount(target)); // starts the helper: not counted
        const t0 = performance.now();
        await mountAll(mounts, target);
        const t1 = performance.now();
        await unmount(target);
        samples[name]!.mount.push(t1 - t0);
        samples[name]!.unmount.push(performance.now() - t1);
      }
    }
    for (const [name, s] of Object.entries(samples)) {
      console.log(`${name}: mount ${median(s.mount).toFixed(2)} ms, umount ${median(s.unmount).toFixed(2)} ms (medians of ${rounds})`);
    }
  });
});
