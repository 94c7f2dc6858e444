import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "@strata/core";

/** Host files the container sees at /etc/resolv.conf, /etc/hosts and /etc/hostname. */
export interface EtcFiles {
  resolvConf: string;
  hosts: string;
  hostname: string;
}

/** Writes the container's /etc/{resolv.conf,hosts,hostname} into `dir` (its bundle). */
export async function writeEtcFiles(dir: string, hostname: string, resolvConf: string): Promise<EtcFiles> {
  const files: EtcFiles = {
    resolvConf: path.join(dir, "resolv.conf"),
    hosts: path.join(dir, "hosts"),
    hostname: path.join(dir, "hostname"),
  };
  writeFileSync(files.resolvConf, resolvConf);
  writeFileSync(files.hosts, hostsFile(hostname));
  writeFileSync(files.hostname, `${hostname}\n`);
  return files;
}

/** Localhost entries plus the container's own name, like Docker's and BuildKit's. */
export function hostsFile(hostname: string): string {
  return [
    `127.0.0.1\tlocalhost ${hostname}`,
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
    "",
  ].join("\n");
}

/** The host's resolver configuration; empty when the host has none. */
export async function readHostResolvConf(file = "/etc/resolv.conf"): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return "";
    throw e;
  }
}
