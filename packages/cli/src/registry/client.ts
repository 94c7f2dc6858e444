import { readFileSync } from "node:fs";
import type { registry } from "../registry-types.js";

export interface RegistryFlags {
  /** `--tls-verify=false`: any certificate, and plain HTTP, for every registry of this command. */
  tlsVerify?: boolean;
}

/**
 * A registry client with Docker's configuration: credentials from ~/.docker/config.json (or
 * $DOCKER_CONFIG, DOCKER_AUTH_CONFIG, credential helpers), certs.d directories, and the
 * insecure registries of /etc/docker/daemon.json plus $STRATA_INSECURE_REGISTRIES.
 */
export async function registryClient(flags: RegistryFlags = {}, signal?: AbortSignal, store?: { root: string }): Promise<registry.RegistryClient> {
  const { RegistryClient, DockerCredentials, RegistryState } = await import("@strata/store/registry");
  return new RegistryClient({
    credentials: new DockerCredentials(),
    tlsVerify: flags.tlsVerify,
    insecureHosts: insecureRegistries(),
    schemes: store ? new RegistryState(store.root).schemes : undefined,
    signal,
  });
}

function insecureRegistries(): string[] {
  const out = (process.env.STRATA_INSECURE_REGISTRIES ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  try {
    const daemon = JSON.parse(readFileSync("/etc/docker/daemon.json", "utf8")) as { "insecure-registries"?: unknown };
    const list = daemon["insecure-registries"];
    if (Array.isArray(list)) out.push(...list.filter((s): s is string => typeof s === "string"));
  } catch {
    // no daemon.json: only loopback registries may be plain HTTP
  }
  return out;
}

/** commander's parser for `--tls-verify[=BOOL]`. */
export function parseBool(value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new Error(`invalid boolean: ${value}`);
}
