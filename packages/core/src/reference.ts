import { StrataError } from "./errors.js";

/** A parsed image reference, normalised the way Docker does (`busybox` → `docker.io/library/busybox:latest`). */
export interface ImageReference {
  /** e.g. "docker.io/library/busybox" */
  repository: string;
  tag?: string;
  digest?: string;
}

const DEFAULT_DOMAIN = "docker.io";
const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export function parseReference(input: string): ImageReference {
  const bad = (why: string) => new StrataError("INVALID_ARGUMENT", `invalid reference format: ${input}: ${why}`);
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw bad("bad digest");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad("bad tag");
  }
  if (rest === "") throw bad("empty name");
  const parts = rest.split("/");
  let domain = DEFAULT_DOMAIN;
  const first = parts[0]!;
  // Docker's rule: a first component with a dot, a port, upper case, or "localhost" is a registry.
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first.toLowerCase() !== first)) {
    domain = parts.shift()!;
    if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  }
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift("library");
  for (const c of parts) if (!NAME_COMPONENT.test(c)) throw bad(`repository name must be lowercase: ${c}`);
  if (!tag && !digest) tag = "latest";
  return { repository: `${domain}/${parts.join("/")}`, tag, digest };
}

/** Full form: "docker.io/library/busybox:latest". */
export function formatReference(r: ImageReference): string {
  return r.repository + (r.tag ? `:${r.tag}` : "") + (r.digest ? `@${r.digest}` : "");
}

/** The short name Docker shows: "busybox", "acme/app", "localhost:5000/x". */
export function familiarRepository(repository: string): string {
  if (repository.startsWith("docker.io/library/")) return repository.slice("docker.io/library/".length);
  if (repository.startsWith("docker.io/")) return repository.slice("docker.io/".length);
  return repository;
}

/** "busybox:latest" for "docker.io/library/busybox:latest". */
export function familiarName(r: ImageReference | string): string {
  const ref = typeof r === "string" ? parseReference(r) : r;
  return familiarRepository(ref.repository) + (ref.tag ? `:${ref.tag}` : "") + (ref.digest ? `@${ref.digest}` : "");
}

/** Normalise any accepted spelling to the full form. */
export const normalizeReference = (input: string): string => formatReference(parseReference(input));
