import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LoggedRequest, TestRegistry } from "@strata/testkit";

/** A fresh Docker config directory, so no test reads or writes the machine's ~/.docker. */
export async function dockerConfigDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "strata-docker-config-"));
}

/** Blob uploads the registry completed (the final PUT …/blobs/uploads/…?digest=, 201). */
export const completedUploads = (reqs: LoggedRequest[]): string[] =>
  reqs.filter((r) => r.method === "PUT" && r.uri.includes("/blobs/uploads/") && r.status === 201).map((r) => decodeURIComponent(/digest=([^&]+)/.exec(r.uri)?.[1] ?? ""));

/** Any request that starts or continues an upload (mounts excluded). */
export const uploadRequests = (reqs: LoggedRequest[]): LoggedRequest[] =>
  reqs.filter((r) => (r.method === "PATCH" || r.method === "PUT") && r.uri.includes("/blobs/uploads/"));

export const mounts = (reqs: LoggedRequest[]): LoggedRequest[] => reqs.filter((r) => r.method === "POST" && r.uri.includes("mount=") && r.status === 201);

/** The digest in `TAG: digest: sha256:… size: N` (push) or `Digest: sha256:…` (pull). */
export function digestIn(output: string): string | undefined {
  return /digest: (sha256:[a-f0-9]{64})/i.exec(output)?.[1];
}

export function repoOf(reg: TestRegistry, name: string): string {
  return `${reg.host}/strata-registry-${name}`;
}
