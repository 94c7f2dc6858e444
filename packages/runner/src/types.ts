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
}

export interface RunIO {
  stdout?: (chunk: Buffer) => void;
  stderr?: (chunk: Buffer) => void;
}

export interface Runner {
  /** Runs one process to completion. Leaves no mounts and no mount stubs behind in the rootfs. */
  run(spec: RunSpec, io?: RunIO, signal?: AbortSignal): Promise<{ exitCode: number }>;
}
