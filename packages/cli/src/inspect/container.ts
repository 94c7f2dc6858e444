import path from "node:path";
import type { ContainerLayout, ContainerRecord, MountPoint, PortBinding } from "@strata/runner";
import { nilMap, nilSlice } from "../go-template/index.js";

export interface ContainerInspectExtras {
  layout: ContainerLayout;
  /** The writable layer's directories, once prepared. */
  layerDirs?: { upper: string; lowers: string[]; work?: string };
  /** With `--size`. */
  size?: { rw: number; rootFs: number };
}

/** One container as `docker container inspect` prints it (Docker's field order and null conventions). */
export function containerInspect(rec: ContainerRecord, x: ContainerInspectExtras): Record<string, unknown> {
  const s = rec.state;
  const dir = x.layout.runtime(rec.id);
  const c = rec.config;
  const out: Record<string, unknown> = {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: s.status,
      Running: s.status === "running" || s.status === "paused",
      Paused: s.status === "paused",
      Restarting: false,
      OOMKilled: s.oomKilled,
      Dead: s.status === "dead",
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
    },
    Image: rec.imageId,
    ResolvConfPath: path.join(dir, "resolv.conf"),
    HostnamePath: path.join(dir, "hostname"),
    HostsPath: path.join(dir, "hosts"),
    LogPath: x.layout.log(rec.id),
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: rec.driver,
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: nilSlice(),
    HostConfig: {
      Binds: rec.hostConfig.Binds.length > 0 ? rec.hostConfig.Binds : nilSlice(),
      ContainerIDFile: "",
      LogConfig: { Type: "k8s-file", Config: {} },
      NetworkMode: rec.hostConfig.NetworkMode,
      PortBindings: portMap(rec.hostConfig.PortBindings, false),
      RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
      AutoRemove: rec.hostConfig.AutoRemove,
      VolumeDriver: "",
      VolumesFrom: rec.hostConfig.VolumesFrom.length > 0 ? rec.hostConfig.VolumesFrom : nilSlice(),
      CapAdd: nilSlice(),
      CapDrop: nilSlice(),
      Init: rec.hostConfig.Init,
      IpcMode: "private",
      PidMode: "",
      Privileged: false,
      PublishAllPorts: false,
      ReadonlyRootfs: rec.hostConfig.ReadonlyRootfs,
      SecurityOpt: nilSlice(),
      Runtime: "runc",
      Mounts: mountSpecs(rec),
    },
    GraphDriver: {
      Data: x.layerDirs
        ? {
            LowerDir: x.layerDirs.lowers.join(":"),
            MergedDir: x.layout.rootfs(rec.id),
            UpperDir: x.layerDirs.upper,
            WorkDir: x.layerDirs.work ?? "",
          }
        : null,
      Name: rec.driver,
    },
  };
  if (x.size) {
    out.SizeRw = x.size.rw;
    out.SizeRootFs = x.size.rootFs;
  }
  Object.assign(out, {
    Mounts: rec.mounts.map(dockerMount),
    Config: {
      Hostname: c.Hostname,
      Domainname: c.Domainname,
      User: c.User,
      AttachStdin: c.AttachStdin,
      AttachStdout: c.AttachStdout,
      AttachStderr: c.AttachStderr,
      ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
      Tty: c.Tty,
      OpenStdin: c.OpenStdin,
      StdinOnce: c.StdinOnce,
      Env: c.Env,
      Cmd: c.Cmd ?? nilSlice(),
      Image: c.Image,
      Volumes: c.Volumes ?? nilMap(),
      WorkingDir: c.WorkingDir,
      Entrypoint: c.Entrypoint ?? nilSlice(),
      OnBuild: c.OnBuild ?? nilSlice(),
      Labels: c.Labels,
      ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
      ...(c.StopTimeout !== undefined ? { StopTimeout: c.StopTimeout } : {}),
    },
    NetworkSettings: {
      Bridge: "",
      SandboxID: "",
      HairpinMode: false,
      Ports: portMap(rec.ports ?? [], true, c.ExposedPorts),
      SandboxKey: s.pid > 0 && rec.hostConfig.NetworkMode !== "host" ? `/proc/${s.pid}/ns/net` : "",
      Gateway: "",
      IPAddress: "",
      IPPrefixLen: 0,
      MacAddress: "",
      Networks: {},
    },
  });
  return out;
}

/** Docker's PortMap: "80/tcp" → [{HostIp, HostPort}] (exposed-only ports map to null in NetworkSettings). */
function portMap(bindings: readonly PortBinding[], withExposed: boolean, exposed?: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (withExposed) for (const p of Object.keys(exposed ?? {})) out[p] = null;
  for (const b of bindings) {
    const key = `${b.containerPort}/${b.protocol}`;
    const list = (Array.isArray(out[key]) ? out[key] : []) as unknown[];
    list.push({ HostIp: b.hostIp === "0.0.0.0" && !withExposed ? "" : b.hostIp, HostPort: b.hostPort === 0 ? "" : String(b.hostPort) });
    out[key] = list;
  }
  return out;
}

function mountSpecs(rec: ContainerRecord): unknown {
  return rec.hostConfig.Mounts.length > 0 ? rec.hostConfig.Mounts : nilSlice();
}

/** One entry of `Mounts`, as Docker shows volumes, binds and tmpfs mounts. */
export function dockerMount(m: MountPoint): Record<string, unknown> {
  if (m.type === "volume") {
    return { Type: "volume", Name: m.name, Source: m.source, Destination: m.destination, Driver: "local", Mode: m.readOnly ? "ro" : "z", RW: !m.readOnly, Propagation: "" };
  }
  if (m.type === "bind") {
    return { Type: "bind", Source: m.source, Destination: m.destination, Mode: m.readOnly ? "ro" : "", RW: !m.readOnly, Propagation: "rprivate" };
  }
  return { Type: "tmpfs", Source: "", Destination: m.destination, Mode: "", RW: !m.readOnly, Propagation: "" };
}
