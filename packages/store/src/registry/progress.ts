/**
 * Transfer progress, per blob, in Docker's words: push — Preparing, Waiting, Pushing (bytes),
 * Pushed, Layer already exists, Mounted from REPO; pull — Pulling fs layer, Waiting,
 * Downloading (bytes), Verifying Checksum, Download complete, Pull complete, Already exists.
 * `message` lines are the rest ("The push refers to repository […]", the final digest).
 */
export type TransferEvent =
  | { type: "blob"; id: string; status: string; current?: number; total?: number }
  | { type: "message"; text: string };

export type TransferSink = (e: TransferEvent) => void;
export const noTransferProgress: TransferSink = () => {};

/** The 12-hex id Docker shows for a digest. */
export const shortId = (digest: string): string => digest.replace(/^sha256:/, "").slice(0, 12);
