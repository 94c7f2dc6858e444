import type { Digest } from "@strata/core";

/** Docker's container states (`docker ps --filter status=`). */
export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

/** The runtime state of a container, Docker's `State` fields plus what strata needs to find its processes. */
export interface ContainerState {
  status: ContainerStatus;
  /** The container's init process on the host, 0 when not running. */
  pid: number;
  exitCode: number;
  /** Why the last start failed or how the container ended abnormally ("" when all went well). */
  error: string;
  /** RFC 3339 with nanoseconds; "0001-01-01T00:00:00Z" when never started / never finished. */
  startedAt: string;
  finishedAt: string;
  oomKilled: boolean;
  /** The conmon process monitoring the container, while it runs. */
  monitorPid?: number;
  /**
   * runc's name for this run of the container: the ID and a per-start suffix, so what a monitor
   * does after its container has exited (its exit command) can never touch a later start.
   */
  runcId?: string;
  /** Port proxy processes, while the container runs. */
  proxyPids?: number[];
}

/** A published port, `-p [IP:]HOSTPORT:CONTAINERPORT[/PROTO]`. */
export interface PortBinding {
  hostIp: string;
  /** 0 until started when the user left the host port to the system. */
  hostPort: number;
  containerPort: number;
  protocol: "tcp";
}

/** One mount of a container: Docker's `Mounts` entry, kept as the container was created (issue 14 fills in volumes). */
export interface MountPoint {
  type: "volume" | "bind" | "tmpfs";
  /** Volume name, for type volume. */
  name?: string;
  /** Host path (bind: as given; volume: its _data directory). */
  source: string;
  destination: string;
  readOnly: boolean;
  /** An anonymous volume (`-v /path`, image VOLUME): removed by `rm -v`. */
  anonymous?: boolean;
  /** tmpfs and bind options, as given. */
  options?: string[];
  /** `--mount …,volume-nocopy`: an empty volume is not filled from the image. */
  noCopy?: boolean;
  /** Where a `--volumes-from` mount came from. */
  from?: string;
}

/** Docker's container Config (what `docker inspect` shows under Config). */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
}

/** The host-side options that shaped the container (Docker's HostConfig, the parts strata has). */
export interface HostConfig {
  AutoRemove: boolean;
  ReadonlyRootfs: boolean;
  NetworkMode: "default" | "none" | "host";
  Init: boolean;
  PortBindings: PortBinding[];
  /** `-v` as given. */
  Binds: string[];
  /** `--volumes-from` as given. */
  VolumesFrom: string[];
  /** `--mount` as given. */
  Mounts: string[];
}

/** Everything strata keeps about one container: `<root>/containers/<id>.json`, replaced atomically. */
export interface ContainerRecord {
  version: 1;
  id: string;
  /** Without Docker's leading "/". */
  name: string;
  created: string;
  /** The image as the user named it (`ps` IMAGE), and what it resolved to. */
  image: string;
  imageId: Digest;
  imageManifest: Digest;
  /** The image's top layer chainID; undefined for an image without layers. */
  imageChainId?: string;
  /** The process: Docker's Path and Args (entrypoint + cmd). */
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  mounts: MountPoint[];
  state: ContainerState;
  restartCount: number;
  /** The snapshotter driver of the store, for inspect's GraphDriver. */
  driver: string;
  /**
   * The writable layer's snapshot key, once prepared. It is prepared when first needed (start,
   * cp, commit, export), so a created container costs one small file.
   */
  layer?: string;
  /** The writable layer's upper directory, so sizes are read without opening the snapshotter. */
  layerUpper?: string;
  /** The image STOPSIGNAL or --stop-signal, resolved at create. */
  stopSignal: string;
  /** The published ports while the container runs, host ports filled in (Docker's NetworkSettings.Ports). */
  ports?: PortBinding[];
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** runc's container name for the container's current (or last) run. */
export const runcIdOf = (rec: ContainerRecord): string => rec.state.runcId ?? rec.id;

/** Running or paused: the container has processes and a monitor. */
export const isActive = (rec: ContainerRecord): boolean => rec.state.status === "running" || rec.state.status === "paused";
