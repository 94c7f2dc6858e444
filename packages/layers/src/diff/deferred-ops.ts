import { lutimesSync } from "node:fs";
import path from "node:path";
import { StrataError, SubprocessError, run, writeXattrs } from "@strata/core";

export interface SpecialNode {
  path: string;
  kind: "c" | "b" | "p";
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Work that Node cannot do itself or that must wait for the end of a layer, batched so a
 * layer costs a handful of processes, not one per entry: device nodes and overlay whiteouts
 * (one `sh` running `mknod`), xattrs (natively, or one `setfattr --restore`), directory mtimes (set last,
 * deepest first, so later writes into a directory do not change them).
 * Every path was resolved inside the root when queued; `dropUnder` forgets the queued work of
 * a directory that is being removed, so nothing is ever done through a path that has changed.
 */
export class DeferredOps {
  #nodes = new Map<string, SpecialNode>();
  #xattrs = new Map<string, Map<string, Buffer>>();
  #dirTimes = new Map<string, number>();

  node(n: SpecialNode): void {
    this.#nodes.set(n.path, n);
  }

  xattr(file: string, name: string, value: Buffer): void {
    let m = this.#xattrs.get(file);
    if (!m) this.#xattrs.set(file, (m = new Map()));
    m.set(name, value);
  }

  dirTime(dir: string, mtime: number): void {
    this.#dirTimes.set(dir, mtime);
  }

  /** Nothing is on disk at `p`: forget what was queued for exactly that path (O(1)). */
  dropExact(p: string): void {
    this.#nodes.delete(p);
    this.#xattrs.delete(p);
    this.#dirTimes.delete(p);
  }

  /** The directory `p` is being replaced or removed: forget everything queued for it or below it. */
  dropUnder(p: string): void {
    const under = (q: string) => q === p || q.startsWith(p + path.sep);
    for (const m of [this.#nodes, this.#xattrs, this.#dirTimes] as Map<string, unknown>[]) {
      for (const k of m.keys()) if (under(k)) m.delete(k);
    }
  }

  async flush(): Promise<void> {
    await this.#flushNodes();
    const items: { path: string; name: string; value: Buffer }[] = [];
    for (const [file, m] of this.#xattrs) for (const [name, value] of m) items.push({ path: file, name, value });
    this.#xattrs.clear();
    await writeXattrs(items);
    const dirs = [...this.#dirTimes].sort((a, b) => b[0].length - a[0].length);
    this.#dirTimes.clear();
    for (const [dir, t] of dirs) lutimesSync(dir, t, t);
  }

  async #flushNodes(): Promise<void> {
    if (this.#nodes.size === 0) return;
    const lines = ["set -e"];
    for (const n of this.#nodes.values()) {
      const p = quote(n.path);
      const dev = n.kind === "p" ? "p" : `${n.kind} ${n.major} ${n.minor}`;
      lines.push(`mknod -m ${(n.mode & 0o7777).toString(8).padStart(4, "0")} ${p} ${dev}`);
      if (n.uid !== 0 || n.gid !== 0) lines.push(`chown -h ${n.uid}:${n.gid} ${p}`);
      if (n.mode & 0o7000) lines.push(`chmod ${(n.mode & 0o7777).toString(8)} ${p}`);
      if (n.mtime !== 0) lines.push(`touch -h -d @${n.mtime} ${p}`);
    }
    this.#nodes.clear();
    const r = await run("sh", ["-s"], { input: lines.join("\n") + "\n" });
    if (r.failed) throw new StrataError("INTERNAL", `creating device nodes: ${new SubprocessError(r).message}`);
  }
}
