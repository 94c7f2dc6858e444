import { StrataError } from "@strata/core";
import { Repository } from "./repository.js";
import { RegistryHost, type TransportOptions } from "./transport.js";

/** A repository as references name it, split into the registry host and the path on it. */
export interface RepositoryName {
  /** "127.0.0.1:5000", "docker.io" */
  host: string;
  /** "app", "library/busybox" */
  path: string;
}

/** "docker.io/library/busybox" (a normalised repository) → { host: "docker.io", path: "library/busybox" }. */
export function splitRepository(repository: string): RepositoryName {
  const i = repository.indexOf("/");
  if (i <= 0 || i === repository.length - 1) throw new StrataError("INVALID_ARGUMENT", `not a full repository name: ${repository}`);
  return { host: repository.slice(0, i), path: repository.slice(i + 1) };
}

/** Registry hosts met during one command, each with its connection, challenge and tokens. */
export class RegistryClient {
  #hosts = new Map<string, RegistryHost>();

  constructor(readonly options: TransportOptions = {}) {}

  host(name: string): RegistryHost {
    let h = this.#hosts.get(name);
    if (!h) this.#hosts.set(name, (h = new RegistryHost(name, this.options)));
    return h;
  }

  /** Closes every host's idle connections. */
  close(): void {
    for (const h of this.#hosts.values()) h.close();
  }

  /** A repository by its normalised name ("127.0.0.1:5000/app") or its parts. */
  repository(name: string | RepositoryName): Repository {
    const { host, path } = typeof name === "string" ? splitRepository(name) : name;
    return new Repository(this.host(host), path);
  }
}
