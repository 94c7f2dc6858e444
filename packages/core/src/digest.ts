import { createHash, randomBytes, type Hash } from "node:crypto";

/** "sha256:<64 lower-case hex>". */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
export const isDigest = (s: string): s is Digest => DIGEST_RE.test(s);
export const hexOf = (d: Digest): string => d.slice("sha256:".length);

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A running hash for streams; `digest()` may be called once. */
export class Hasher {
  #hash: Hash = createHash("sha256");
  #size = 0;
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
  }
  get size(): number {
    return this.#size;
  }
  digest(): Digest {
    return `sha256:${this.#hash.digest("hex")}`;
  }
}

/** JSON with object keys sorted recursively; `undefined` members are dropped. Stable across runs. */
export function canonicalJSON(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object" && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export const digestJSON = (value: unknown): Digest => sha256(canonicalJSON(value));

/** OCI chainID: chain(L1) = diffID(L1); chain(Ln) = sha256(chain(Ln-1) + " " + diffID(Ln)). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}

export const chainId = (diffIds: readonly Digest[]): Digest | undefined => chainIds(diffIds).at(-1);

/** Random lower-case hex, for container and temporary ids. */
export function randomHex(bytes = 32): string {
  return randomBytes(bytes).toString("hex");
}
