import type { FlattenedImage } from "../flatten/file-entry.js";
import { compareConfigs } from "./compare-config.js";
import { compareFiles } from "./compare-files.js";

export interface CompareOptions {
  /** Paths (absolute, "/etc/hostname") to leave out of the file comparison. */
  ignorePaths?: RegExp[];
  /** How the two sides are named in messages; default ["a", "b"]. */
  names?: [string, string];
}

/** Human-readable differences between two flattened images; empty when they match. */
export function compareFlattened(a: FlattenedImage, b: FlattenedImage, opts: CompareOptions = {}): string[] {
  const names = opts.names ?? ["a", "b"];
  const ignore = (p: string) => (opts.ignorePaths ?? []).some((re) => re.test(p));
  return [...compareFiles(a.files, b.files, names, ignore), ...compareConfigs(a.config, b.config, names)];
}
