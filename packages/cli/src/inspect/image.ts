import { familiarName, type ContainerConfig, type Digest } from "@strata/core";
import { PARENT_ANNOTATION, type ImageEntry, type ResolvedImage } from "@strata/store";
import { nilMap, nilSlice } from "../go-template/index.js";

/**
 * Docker's container.Config as `docker image inspect` shows it: every field present, absent
 * slices and maps as typed nils (`null` in JSON, `[]` / `map[]` in a template).
 */
export function dockerContainerConfig(c: ContainerConfig | undefined): Record<string, unknown> {
  const config = c ?? {};
  const out: Record<string, unknown> = {
    Hostname: "",
    Domainname: "",
    User: config.User ?? "",
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
  };
  if (config.ExposedPorts && Object.keys(config.ExposedPorts).length) out.ExposedPorts = config.ExposedPorts;
  Object.assign(out, {
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: config.Env ?? nilSlice(),
    Cmd: config.Cmd ?? nilSlice(),
  });
  if (config.Healthcheck) out.Healthcheck = config.Healthcheck;
  if (config.ArgsEscaped) out.ArgsEscaped = true;
  Object.assign(out, {
    Image: "",
    Volumes: config.Volumes ?? nilMap(),
    WorkingDir: config.WorkingDir ?? "",
    Entrypoint: config.Entrypoint ?? nilSlice(),
    OnBuild: config.OnBuild ?? nilSlice(),
    Labels: config.Labels ?? nilMap(),
  });
  if (config.StopSignal) out.StopSignal = config.StopSignal;
  if (config.Shell) out.Shell = config.Shell;
  return out;
}

/** One image as `docker image inspect` prints it (Docker's field order). */
export function imageInspect(image: ResolvedImage, entries: ImageEntry[], driver: string, size: number, repoDigests: string[] = []): Record<string, unknown> {
  const c = image.config;
  const mine = entries.filter((e) => e.target.digest === image.manifestDesc.digest);
  const lastTag = mine.map((e) => e.created).sort().at(-1);
  return {
    Id: image.configDigest,
    RepoTags: mine.flatMap((e) => (e.name ? [familiarName(e.name)] : [])).sort(byBytes),
    RepoDigests: repoDigests.map((d) => familiarName(d)).sort(byBytes),
    Parent: parentOf(mine),
    Comment: c.history?.at(-1)?.comment ?? "",
    Created: c.created ?? "",
    Container: "",
    ContainerConfig: dockerContainerConfig(undefined),
    DockerVersion: "",
    Author: c.author ?? "",
    Config: dockerContainerConfig(c.config),
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: null, Name: driver },
    RootFS: { Type: "layers", Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: lastTag ?? "0001-01-01T00:00:00Z", ManifestDigest: image.manifestDesc.digest },
  };
}

function parentOf(entries: ImageEntry[]): Digest | "" {
  for (const e of entries) {
    const parent = e.target.annotations?.[PARENT_ANNOTATION];
    if (parent) return parent as Digest;
  }
  return "";
}

const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
