import path from "node:path";
import { StrataError } from "@strata/core";
import { teardownLater, teardownsSettled } from "@strata/layers";
import { createBundle, randomHex, removeBundle, stateLayout } from "./bundle.js";
import { readHostResolvConf } from "./etc-files.js";
import { removeLeftovers } from "./leftovers.js";
import { mountRootfs } from "./rootfs-mount.js";
import { runInBundle } from "./run-container.js";
import { canceled } from "./runc-process.js";
import { RuncCli } from "./runc-cli.js";
import { detectRuntime } from "./runtime.js";
import type { Runner } from "./types.js";

export interface RuncRunnerOptions {
  /** The runner's private directory, e.g. `<storeRoot>/runc`: runc state, bundles, rootfs mounts. */
  stateDir: string;
  /** Path of the runc binary; found on PATH (or in the sbin directories) when omitted. */
  runtime?: string;
}

export interface RuncRunner extends Runner {
  /**
   * Removes what a previous process left behind when it died mid-run: kills and deletes its
   * containers, unmounts rootfs mounts and removes bundles. Call it at start-up, while no run
   * of this `stateDir` is in flight.
   */
  cleanup(): Promise<void>;
}

/** A Runner that executes each process with `runc run` in a fresh bundle under `stateDir`. */
export function createRuncRunner(opts: RuncRunnerOptions): RuncRunner {
  const stateDir = path.resolve(opts.stateDir);
  const layout = stateLayout(stateDir);
  let runc: Promise<RuncCli> | undefined;
  const getRunc = () => {
    runc ??= detectRuntime(opts.runtime).then((binary) => new RuncCli(binary, layout.runcRoot));
    runc.catch(() => (runc = undefined));
    return runc;
  };
  let resolvConf: Promise<string> | undefined;
  let active = 0;

  return {
    async run(spec, io = {}, signal) {
      if (signal?.aborted) throw canceled();
      if (spec.args.length === 0) throw new StrataError("INVALID_ARGUMENT", "a run needs at least one argument");
      active++;
      try {
        const cli = await getRunc();
        resolvConf ??= readHostResolvConf();
        // The owner's pid in the id lets cleanup() tell a crashed run from a concurrent one.
        const id = `${process.pid}-${randomHex(16)}`;
        const bundle = await createBundle(layout, id);
        let teardown = () => removeBundle(bundle);
        try {
          const root = await mountRootfs(spec.rootfs, path.join(bundle, "rootfs"));
          teardown = async () => {
            try {
              await root.release();
            } finally {
              await removeBundle(bundle);
            }
          };
          const result = await runInBundle({ runc: cli, id, bundle, root, resolvConf: await resolvConf }, spec, io, signal);
          if (spec.releaseLater) {
            teardownLater(teardown());
            teardown = async () => {};
          }
          return result;
        } finally {
          await teardown();
        }
      } finally {
        active--;
      }
    },

    async cleanup() {
      if (active > 0) throw new StrataError("FAILED_PRECONDITION", "cleanup() while runs are in flight would kill them");
      await teardownsSettled();
      await removeLeftovers(stateDir, layout, getRunc);
    },
  };
}
