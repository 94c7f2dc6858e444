import type { Mount } from "@strata/core";

export interface BindMount {
  /** Path inside the container. */
  destination: string;
  /** Host path. */
  source: string;
  readonly?: boolean;
}

export interface RunSpec {
  /** The container's root filesystem as mounts (a snapshotter's `prepare` result). */
  rootfs: Mount[];
  args: string[];
  env: string[];
  cwd: string;
  /** "uid[:gid]" or "name[:group]", resolved against the rootfs's /etc/passwd and /etc/group. */
  user?: string;
  hostname?: string;
  network?: "none" | "host";
  mounts?: BindMount[];
  /**
   * Return once the process has exited, leaving the root's unmount to run in the background
   * (`teardownLater` in @strata/layers): a builder reads the upper dir meanwhile. Mounts wait
   * for it by themselves; anything else that needs it gone awaits `teardownsSettled()`.
   */
  releaseLater?: boolean;
}

export interface RunIO {
  stdout?: (chunk: Buffer) => void;
  stderr?: (chunk: Buffer) => void;
}

export interface Runner {
  /** Runs one process to completion. Leaves no mounts (see `releaseLater`) and no mount stubs behind in the rootfs. */
  run(spec: RunSpec, io?: RunIO, signal?: AbortSignal): Promise<{ exitCode: number }>;
}
