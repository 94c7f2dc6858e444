import type { EtcFiles } from "../etc-files.js";
import { ociSpec, type OciMount } from "../oci-spec.js";
import type { ResolvedUser } from "../user.js";

/** Where `--init` finds its init (Debian's tini-static) and where the container sees it, as in Docker. */
export const INIT_BINARY = "/usr/bin/tini-static";
export const INIT_PATH = "/sbin/docker-init";

export interface ContainerSpecInput {
  rootPath: string;
  readonly: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: ResolvedUser;
  hostname: string;
  network: "none" | "host";
  terminal: boolean;
  init: boolean;
  etc: EtcFiles;
  /** Volumes and binds (issue 14), already resolved to host paths. */
  mounts: readonly OciMount[];
}

/**
 * A detached container's runc config: the RUN config (`ociSpec`: namespaces, Docker's default
 * capabilities, masked and read-only paths, device rules, and whatever confinement it gains)
 * with what a container adds: a terminal when asked for, its /etc files writable as in Docker,
 * its mounts, and tini as PID 1 for `--init`.
 */
export function containerSpec(input: ContainerSpecInput): Record<string, unknown> {
  const etc = (destination: string, source: string): OciMount => ({
    destination,
    type: "bind",
    source,
    options: ["rbind", "rprivate"],
  });
  const binds: OciMount[] = [
    etc("/etc/resolv.conf", input.etc.resolvConf),
    etc("/etc/hosts", input.etc.hosts),
    etc("/etc/hostname", input.etc.hostname),
  ];
  if (input.init) binds.push({ destination: INIT_PATH, type: "bind", source: INIT_BINARY, options: ["rbind", "ro", "rprivate"] });
  binds.push(...input.mounts);
  // Parents before children, as Docker sorts mounts: a volume on /etc comes before /etc/hosts.
  const depth = (m: OciMount) => m.destination.split("/").filter(Boolean).length;
  binds.sort((a, b) => depth(a) - depth(b));
  const spec = ociSpec({
    rootPath: input.rootPath,
    rootReadonly: input.readonly,
    args: input.init ? [INIT_PATH, "--", ...input.args] : input.args,
    env: input.env,
    cwd: input.cwd,
    user: input.user,
    hostname: input.hostname,
    network: input.network,
    binds,
  });
  const proc = spec.process as Record<string, unknown>;
  proc.terminal = input.terminal;
  if (input.terminal) proc.consoleSize = { height: 24, width: 80 };
  return spec;
}
