import type { BindMount } from "./types.js";
import type { EtcFiles } from "./etc-files.js";
import type { ResolvedUser } from "./user.js";

/** Docker's default capability set for containers (and so for RUN). */
export const DEFAULT_CAPABILITIES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Paths Docker hides from containers (bind-mounted over with /dev/null or an empty tmpfs). */
export const MASKED_PATHS = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** Kernel filesystems every container gets; all of them land inside /proc, /dev or /sys. */
export const SYSTEM_MOUNTS: readonly OciMount[] = [
  { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
  {
    destination: "/dev/pts",
    type: "devpts",
    source: "devpts",
    options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
  },
  { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
  { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
];

export interface OciSpecInput {
  rootPath: string;
  rootReadonly: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: ResolvedUser;
  hostname: string;
  network: "none" | "host";
  /** Bind mounts on top of the system mounts (see `bindMounts`). */
  binds: readonly OciMount[];
}

/** The bind mounts a run adds on top of the system mounts, in mount order. */
export function bindMounts(etc: EtcFiles, mounts: readonly BindMount[]): OciMount[] {
  const bind = (destination: string, source: string, readonly: boolean): OciMount => ({
    destination,
    type: "bind",
    source,
    options: ["rbind", "rprivate", ...(readonly ? ["ro"] : [])],
  });
  return [
    bind("/etc/resolv.conf", etc.resolvConf, true),
    bind("/etc/hosts", etc.hosts, true),
    bind("/etc/hostname", etc.hostname, true),
    ...mounts.map((m) => bind(m.destination, m.source, m.readonly ?? false)),
  ];
}

/** An OCI runtime config (runtime-spec 1.0) for one non-interactive build process. */
export function ociSpec(input: OciSpecInput): Record<string, unknown> {
  const namespaces = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  // A network namespace without a path is a new, empty one; runc brings its loopback up.
  if (input.network === "none") namespaces.push({ type: "network" });
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: input.user.additionalGids },
      args: input.args,
      env: input.env,
      cwd: input.cwd,
      capabilities: {
        bounding: DEFAULT_CAPABILITIES,
        effective: DEFAULT_CAPABILITIES,
        permitted: DEFAULT_CAPABILITIES,
      },
      noNewPrivileges: false,
    },
    root: { path: input.rootPath, readonly: input.rootReadonly },
    hostname: input.hostname,
    mounts: [...SYSTEM_MOUNTS, ...input.binds],
    linux: {
      namespaces,
      // Deny every device, then runc adds its default allow-list (null, zero, full, tty, random, urandom, pts).
      resources: { devices: [{ allow: false, access: "rwm" }] },
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}
