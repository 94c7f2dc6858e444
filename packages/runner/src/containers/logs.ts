import { closeSync, openSync, readSync, statSync, watch } from "node:fs";
import { errnoCode } from "@strata/core";

/** One line of a container's output. */
export interface LogLine {
  /** RFC 3339 with nanoseconds, in UTC ("2026-12-02T09:53:15.688373066Z"), as `docker logs -t` prints it. */
  time: string;
  stream: "stdout" | "stderr";
  /** The bytes, with their newline when the container wrote one. */
  text: string;
}

/**
 * Parses conmon's k8s-file log: `TIME STREAM F|P TEXT`, where F ends a line and P is a partial
 * chunk (conmon adds a newline to the file after it; the container wrote none).
 */
export class LogParser {
  #rest = "";
  #partial: LogLine | undefined;

  /** Feeds bytes of the file; returns the complete lines they finish. */
  push(chunk: string): LogLine[] {
    const text = this.#rest + chunk;
    const lines = text.split("\n");
    this.#rest = lines.pop()!;
    const out: LogLine[] = [];
    for (const raw of lines) {
      const a = raw.indexOf(" ");
      const b = raw.indexOf(" ", a + 1);
      const c = raw.indexOf(" ", b + 1);
      if (a < 0 || b < 0) continue;
      const time = utcNano(raw.slice(0, a));
      const stream: LogLine["stream"] = raw.slice(a + 1, b) === "stderr" ? "stderr" : "stdout";
      const tag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
      const body = c < 0 ? "" : raw.slice(c + 1);
      if (tag === "P") {
        this.#partial = this.#partial ? { ...this.#partial, text: this.#partial.text + body } : { time, stream, text: body };
        continue;
      }
      const line = this.#partial ? { ...this.#partial, text: this.#partial.text + body + "\n" } : { time, stream, text: `${body}\n` };
      this.#partial = undefined;
      out.push(line);
    }
    return out;
  }

  /** A trailing partial chunk once the log is complete (the container ended without a newline). */
  flush(): LogLine[] {
    const p = this.#partial;
    this.#partial = undefined;
    return p ? [p] : [];
  }
}

/** conmon writes local time with a numeric offset; Docker prints UTC with nanoseconds. */
function utcNano(t: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return t;
  const frac = (m[2] ?? ".").slice(1).padEnd(9, "0").slice(0, 9);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return t;
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

export interface ReadLogOptions {
  /** Only the last N lines (Docker's --tail; undefined or negative: all). */
  tail?: number;
  /** Keep reading as the container writes, until `stillRunning` says it stopped. */
  follow?: boolean;
  stillRunning?: () => boolean;
  signal?: AbortSignal;
}

/** Reads a container's log file, calling `emit` for each line (in order). */
export async function readLog(file: string, emit: (line: LogLine) => void, opts: ReadLogOptions = {}): Promise<void> {
  const parser = new LogParser();
  let offset = 0;
  const readAvailable = (): LogLine[] => {
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return [];
      throw e;
    }
    const out: LogLine[] = [];
    try {
      // conmon truncates by renaming a fresh file over the log: start again from its beginning.
      if (statSync(file).size < offset) offset = 0;
      const buf = Buffer.alloc(1 << 16);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        out.push(...parser.push(buf.subarray(0, n).toString("utf8")));
      }
    } finally {
      closeSync(fd);
    }
    return out;
  };
  const first = readAvailable();
  const tail = opts.tail !== undefined && opts.tail >= 0 ? first.slice(Math.max(0, first.length - opts.tail)) : first;
  if (!opts.follow) {
    tail.push(...parser.flush());
    for (const l of tail) emit(l);
    return;
  }
  for (const l of tail) emit(l);
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let watcher: ReturnType<typeof watch> | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer) clearInterval(timer);
      watcher?.close();
      for (const l of [...readAvailable(), ...parser.flush()]) emit(l);
      resolve();
    };
    const poll = () => {
      for (const l of readAvailable()) emit(l);
      if (opts.signal?.aborted || !(opts.stillRunning?.() ?? false)) finish();
    };
    try {
      watcher = watch(file, { persistent: true }, () => poll());
      watcher.on("error", () => {});
    } catch {
      // no file yet: polling alone
    }
    timer = setInterval(poll, 200);
    opts.signal?.addEventListener("abort", finish, { once: true });
  });
}
