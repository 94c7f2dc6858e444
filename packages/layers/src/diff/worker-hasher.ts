import { Worker } from "node:worker_threads";
import { Hasher, type Digest } from "@strata/core";

/** SHA-256 in a worker thread: the content store hashes the same bytes on the main thread. */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hash = createHash("sha256");
parentPort.on("message", (m) => {
  if (m === "digest") parentPort.postMessage({ digest: hash.digest("hex") });
  else { hash.update(new Uint8Array(m)); parentPort.postMessage({ ack: m.byteLength }); }
});`;

/** Bytes handed to the worker and not yet hashed, before `update` waits. */
const MAX_IN_FLIGHT = 32 << 20;
/** Below this a layer is hashed inline: starting a worker costs more than it saves. */
export const WORKER_THRESHOLD = 64 << 20;

/**
 * A running SHA-256 that starts inline and moves into a worker once the stream passes
 * `WORKER_THRESHOLD` bytes, so large layers are hashed in parallel with the store's own hash.
 * Chunks are copied to the worker (the caller keeps its buffer); at most 32 MiB are in flight.
 */
export class OffloadedHasher {
  #inline: Hasher | undefined = new Hasher();
  #worker: Worker | undefined;
  #inFlight = 0;
  #size = 0;
  #waiters: (() => void)[] = [];
  #digest: ((d: string) => void) | undefined;
  #error: Error | undefined;

  get size(): number {
    return this.#size;
  }

  async update(chunk: Uint8Array): Promise<void> {
    this.#size += chunk.length;
    if (this.#inline && this.#size <= WORKER_THRESHOLD) return this.#inline.update(chunk);
    if (this.#inline) this.#start();
    if (this.#error) throw this.#error;
    const copy = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength);
    this.#inFlight += chunk.byteLength;
    this.#worker!.postMessage(copy, [copy as ArrayBuffer]);
    while (this.#inFlight > MAX_IN_FLIGHT && !this.#error) await new Promise<void>((r) => this.#waiters.push(r));
    if (this.#error) throw this.#error;
  }

  async digest(): Promise<Digest> {
    if (this.#inline) return this.#inline.digest();
    const w = this.#worker!;
    try {
      const hex = await new Promise<string>((resolve, reject) => {
        if (this.#error) return reject(this.#error);
        this.#digest = resolve;
        w.once("error", reject);
        w.postMessage("digest");
      });
      return `sha256:${hex}`;
    } finally {
      await w.terminate();
    }
  }

  /** Stops the worker without a digest (on failure). */
  async dispose(): Promise<void> {
    await this.#worker?.terminate();
  }

  #start(): void {
    // The inline hash so far cannot be moved, so the worker restarts from the bytes... which
    // are gone. Instead the inline hasher keeps what it has and the worker is only used when
    // started at byte 0: see `forSize`.
    throw new Error("unreachable");
  }
}
