import type { registry } from "../registry-types.js";
import { humanSize } from "../format.js";

/** Statuses Docker prints without a terminal: the ones that are not byte counts. */
const BYTE_STATUSES = new Set(["Pushing", "Downloading", "Extracting"]);

/**
 * Docker's push/pull output. Without a terminal: one line per status change, no byte counts
 * (as `docker push | cat` prints). On a terminal: one line per layer, rewritten in place, with a
 * progress bar while bytes move.
 */
export function transferRenderer(out: NodeJS.WriteStream | NodeJS.WritableStream, quiet = false): registry.TransferSink {
  if (quiet) return () => {};
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  if (!tty) {
    return (e) => {
      if (e.type === "message") out.write(`${e.text}\n`);
      else if (!BYTE_STATUSES.has(e.status)) out.write(`${e.id}: ${e.status}\n`);
    };
  }
  const lines: string[] = []; // ids in print order
  return (e) => {
    if (e.type === "message") {
      out.write(`${e.text}\n`);
      lines.length = 0; // later ids start below this line
      return;
    }
    const text = `${e.id}: ${e.status}${BYTE_STATUSES.has(e.status) ? ` ${bar(e.current ?? 0, e.total)}` : ""}`;
    const i = lines.indexOf(e.id);
    if (i < 0) {
      lines.push(e.id);
      out.write(`${text}\n`);
      return;
    }
    const up = lines.length - i;
    out.write(`\x1b[${up}A\x1b[2K\r${text}\x1b[${up}B\r`);
  };
}

/** `[=====>      ]  12.3MB/45.6MB`, Docker's bar; just the count when the total is unknown. */
export function bar(current: number, total: number | undefined): string {
  if (!total || total <= 0) return humanSize(current);
  const width = 50;
  const filled = Math.min(width, Math.floor((current / total) * width));
  const body = filled >= width ? "=".repeat(width) : `${"=".repeat(filled)}>${" ".repeat(width - filled - 1)}`;
  return `[${body}]  ${humanSize(current)}/${humanSize(total)}`;
}
