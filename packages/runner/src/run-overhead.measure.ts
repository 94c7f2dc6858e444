import { execFile } from "node:child_process";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mount } from "@strata/core";
import { writeEtcFiles } from "./etc-files.js";
import { bindMounts, ociSpec } from "./oci-spec.js";
import { createRuncRunner, type RuncRunner } from "./runc-runner.js";
import { tempDir, writeBusyboxRootfs } from "./testsuite/busybox-rootfs.js";
import { hasRunc, requireRootAndRunc } from "./testsuite/run-helpers.js";

const run = promisify(execFile);

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

/** Times each variant `rounds` times, interleaved so that a busy machine slows all alike. */
async function interleavedMedians(rounds: number, variants: Record<string, (i: number) => Promise<unknown>>) {
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of Object.entries(variants)) {
      const start = performance.now();
      await fn(i);
      (samples[name] ??= []).push(performance.now() - start);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/**
 * What one RUN costs beyond `runc run` itself (median of 10 runs of /bin/true), on a rootfs
 * shaped like an unpacked image: /proc, /sys, /dev and /etc exist, mtimes are whole seconds.
 * A measurement, not a test: `ROUNDS=40 npm run bench:micro` (default 10 rounds).
 */
describe("run overhead (real runc)", () => {
  beforeAll(requireRootAndRunc);
  let base: { dir: string; dispose(): Promise<void> };
  let runner: RuncRunner;
  let lower: string;

  beforeAll(async () => {
    base = await tempDir("strata-overhead-");
    lower = path.join(base.dir, "rootfs");
    await writeBusyboxRootfs(lower);
    for (const d of ["proc", "sys", "dev"]) await mkdir(path.join(lower, d));
    for (const d of ["", "etc", "bin", "proc", "sys", "dev", "root"]) await utimes(path.join(lower, d), 1700000000, 1700000000);
    runner = createRuncRunner({ stateDir: path.join(base.dir, "state") });
  });
  afterAll(() => base.dispose());

  const truth = (rootfs: Mount[]) => ({ rootfs, args: ["/bin/true"], env: [], cwd: "/" });

  it("runs /bin/true on a plain directory and on an overlay", async () => {
    // Baseline: runc alone, same kind of config, bundle written once.
    const bundle = path.join(base.dir, "bundle");
    await mkdir(bundle);
    const etc = await writeEtcFiles(bundle, "baseline", "");
    const user = { uid: 0, gid: 0, additionalGids: [], home: "/root" };
    const config = ociSpec({ rootPath: lower, rootReadonly: false, args: ["/bin/true"], env: ["PATH=/bin"], cwd: "/", user, hostname: "baseline", network: "none", binds: bindMounts(etc, []) });
    await writeFile(path.join(bundle, "config.json"), JSON.stringify(config));
    const runcRoot = path.join(base.dir, "baseline-state");
    const env = { PATH: "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin" };
    const m = await interleavedMedians(Number(process.env.ROUNDS ?? 10), {
      raw: (i) => run("runc", ["--root", runcRoot, "run", "--bundle", bundle, `baseline${i}`], { env }),
      plain: () => runner.run(truth([{ type: "bind", source: lower, options: ["rbind"] }])),
      overlay: async (i) => {
        const upper = path.join(base.dir, `upper${i}`);
        const work = path.join(base.dir, `work${i}`);
        await mkdir(upper);
        await mkdir(work);
        const opts = [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`];
        await runner.run(truth([{ type: "overlay", source: "overlay", options: opts }]));
      },
    });
    const [raw, plain, overlay] = [m.raw!, m.plain!, m.overlay!];
    const f = (n: number) => `${n.toFixed(1)} ms`;
    console.log(
      `median of ${process.env.ROUNDS ?? 10} /bin/true: runc alone ${f(raw)}; runner on a plain dir ${f(plain)} (+${f(plain - raw)}), ` +
        `on an overlay ${f(overlay)} (+${f(overlay - raw)})`,
    );
  });
});
