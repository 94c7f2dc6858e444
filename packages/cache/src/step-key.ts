import { StrataError, digestJSON, isDigest, type Digest } from "@strata/core";
import { compactChecksum, isContextChecksum, type CompactChecksum, type ContextChecksum } from "./context-checksum.js";

/** Version of the key scheme; bumping it invalidates every key ever made (they can no longer match). */
export const KEY_VERSION = 1;

/** A step input: a digest (base image, --from stage result, ADD URL checksum), a string, or a context checksum. */
export type StepInput = Digest | string | ContextChecksum;

export interface StepKeyInput {
  /** "RUN", "COPY", "ADD", "FROM"… */
  kind: string;
  /**
   * The canonical, purpose-stripped step: only what changes the result. The explanation of a miss
   * understands these names: `text` (instruction text), `buildArgs` and `env` (name → value, or
   * "K=V" list), and names any other field by its dotted path (`user`, `workdir`, `flags.chmod`).
   */
  definition: Record<string, unknown>;
  /** The previous step's key (absent for the first step of a stage). */
  parent?: Digest;
  /**
   * Content the step reads. Names the explanation understands: `base` (base image digest),
   * `from:<stage>` (a stage's result), `url:<address>` (an ADD URL's checksum); a ContextChecksum
   * under any name is explained file by file.
   */
  inputs?: Record<string, StepInput>;
}

/** What a key is the digest of, kept so a miss can be explained; `files` is explanation only. */
export interface KeyPreimage {
  v: number;
  kind: string;
  definition: Record<string, unknown>;
  parent?: Digest;
  inputs?: Record<string, string>;
  /** Per checksum input: its entries in compact form. Not hashed (the input's digest already covers them). */
  files?: Record<string, CompactChecksum>;
}

/** key = sha256 of canonical JSON `{v, kind, definition, parent, inputs}` (sorted keys; JSON framing). */
export function stepKey(input: StepKeyInput): { key: Digest; preimage: KeyPreimage } {
  if (typeof input.kind !== "string" || input.kind === "") throw new StrataError("INVALID_ARGUMENT", "step key: kind is required");
  assertJSONSafe(input.definition, "definition");
  if (input.parent !== undefined && !isDigest(input.parent)) {
    throw new StrataError("INVALID_ARGUMENT", `step key: parent ${String(input.parent)} is not a digest`);
  }
  let inputs: Record<string, string> | undefined;
  const checksums: [string, ContextChecksum][] = [];
  for (const [name, value] of Object.entries(input.inputs ?? {})) {
    inputs ??= {};
    if (isContextChecksum(value)) {
      inputs[name] = value.digest;
      checksums.push([name, value]);
    } else if (typeof value === "string") inputs[name] = value;
    else throw new StrataError("INVALID_ARGUMENT", `step key: input ${name} must be a digest, a string or a context checksum`);
  }
  const preimage: KeyPreimage = { v: KEY_VERSION, kind: input.kind, definition: input.definition, parent: input.parent, inputs };
  if (checksums.length > 0) {
    // Built on first read (explaining a miss, saving the record): a cache hit never needs it,
    // and for a 20,000-file COPY it is 20,000 small arrays. Enumerable, so JSON includes it.
    let files: Record<string, CompactChecksum> | undefined;
    Object.defineProperty(preimage, "files", {
      enumerable: true,
      get: () => (files ??= Object.fromEntries(checksums.map(([name, sum]) => [name, compactChecksum(sum)]))),
    });
  }
  return { key: keyOf(preimage), preimage };
}

/** Recompute a pre-image's key (the `files` listing does not take part). */
export function keyOf(preimage: KeyPreimage): Digest {
  const { v, kind, definition, parent, inputs } = preimage;
  return digestJSON({ v, kind, definition, parent, inputs });
}

/** Reject values canonical JSON cannot represent faithfully, so two different steps never share a key. */
function assertJSONSafe(value: unknown, where: string): void {
  if (value === null || typeof value === "string" || typeof value === "boolean" || value === undefined) return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new StrataError("INVALID_ARGUMENT", `step key: ${where} is not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (v === undefined) throw new StrataError("INVALID_ARGUMENT", `step key: ${where}[${i}] is undefined`);
      assertJSONSafe(v, `${where}[${i}]`);
    });
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) assertJSONSafe(v, `${where}.${k}`);
    return;
  }
  throw new StrataError("INVALID_ARGUMENT", `step key: ${where} is not plain JSON data`);
}
