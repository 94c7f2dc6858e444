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
 * What Docker's Go client trusts: the system's CA bundle (Node's own roots where there is
 * none), plus a user bundle given as NODE_EXTRA_CA_CERTS (which bin/strata renames
 * STRATA_EXTRA_CA_CERTS so it is not parsed at every start-up). Node parses every one of them
 * for each TLS context, so the list is not doubled with Node's copy of the same roots.
 */
export function systemCAs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (systemRoots) return systemRoots;
  const roots: string[] = [];
  const read = (file: string | undefined) => {
    if (!file) return false;
    try {
      roots.push(readFileSync(file, "utf8"));
      return true;
    } catch {
      return false; // absent on this system
    }
  };
  if (!read("/etc/ssl/certs/ca-certificates.crt") && !read("/etc/pki/tls/certs/ca-bundle.crt")) {
    roots.push(...(createRequire(import.meta.url)("node:tls") as typeof import("node:tls")).rootCertificates);
  }
  read(env.STRATA_EXTRA_CA_CERTS);
  read(env.NODE_EXTRA_CA_CERTS);
  systemRoots = roots;
  return roots;
}
