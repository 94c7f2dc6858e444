import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { StrataError, errnoCode } from "@strata/core";

/**
 * Where per-registry certificates live, as Docker and Podman lay them out:
 * `<dir>/<host[:port]>/*.crt` are extra CA roots, `<name>.cert` + `<name>.key` a client pair.
 * `STRATA_CERTS_DIRS` (colon-separated) replaces the list, e.g. for tests.
 */
export function certsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.STRATA_CERTS_DIRS) return env.STRATA_CERTS_DIRS.split(":").filter(Boolean);
  return ["/etc/docker/certs.d", "/etc/containers/certs.d"];
}

export interface HostTLS {
  /** CA certificates (PEM) added to the system roots; empty when the host has none of its own. */
  ca: string[];
  cert?: string;
  key?: string;
  /** Files read, for error messages. */
  files: string[];
}

/** Reads the certs.d directories for `host` (e.g. "registry.local:5000"). */
export function hostTLS(host: string, dirs: string[] = certsDirs()): HostTLS {
  const out: HostTLS = { ca: [], files: [] };
  for (const base of dirs) {
    const dir = path.join(base, host);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") continue;
      throw new StrataError("INVALID_ARGUMENT", `${dir}: cannot read: ${(e as Error).message}`);
    }
    for (const name of names) {
      const file = path.join(dir, name);
      if (name.endsWith(".crt")) {
        out.ca.push(readFileSync(file, "utf8"));
        out.files.push(file);
      } else if (name.endsWith(".cert")) {
        const keyFile = path.join(dir, `${name.slice(0, -5)}.key`);
        if (!names.includes(path.basename(keyFile))) throw new StrataError("INVALID_ARGUMENT", `missing key ${path.basename(keyFile)} for client certificate ${file}`);
        if (out.cert === undefined) {
          out.cert = readFileSync(file, "utf8");
          out.key = readFileSync(keyFile, "utf8");
          out.files.push(file, keyFile);
        }
      } else if (name.endsWith(".key")) {
        const certName = `${name.slice(0, -4)}.cert`;
        if (!names.includes(certName)) throw new StrataError("INVALID_ARGUMENT", `missing client certificate ${certName} for key ${file}`);
      }
    }
  }
  return out;
}

let systemRoots: string[] | undefined;

/**
 * The system's CA bundle (what Docker's Go client trusts: /etc/ssl/certs), plus Node's own
 * roots and a user bundle given as NODE_EXTRA_CA_CERTS (which bin/strata renames
 * STRATA_EXTRA_CA_CERTS so it is not parsed at every start-up).
 */
export function systemCAs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (systemRoots) return systemRoots;
  const tls = createRequire(import.meta.url)("node:tls") as typeof import("node:tls");
  const roots = [...tls.rootCertificates];
  for (const file of ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", env.STRATA_EXTRA_CA_CERTS, env.NODE_EXTRA_CA_CERTS]) {
    if (!file) continue;
    try {
      roots.push(readFileSync(file, "utf8"));
    } catch {
      // absent on this system
    }
  }
  systemRoots = roots;
  return roots;
}
