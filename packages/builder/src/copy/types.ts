/** One COPY or ADD step, with every word already expanded by the frontend. */
export interface CopyRequest {
  /** Host directory: the build context, or a mounted stage/image rootfs (`--from`). */
  sourceRoot: string;
  /** Context: paths are relative to sourceRoot, clamped to it, filtered by `ignore`. Stage: container paths. */
  sourceIsContext: boolean;
  /** Source paths; may contain Go filepath.Match wildcards (`*`, `?`, `[..]`). */
  sources: string[];
  /** Host directory of the destination rootfs (writable). */
  destRoot: string;
  /** Relative to workdir unless absolute; a trailing "/" means directory. */
  dest: string;
  /** The container working directory. */
  workdir: string;
  /** Raw `--chown` spec: "uid", "uid:gid", "name", "name:group". */
  chown?: string;
  /** Octal `--chmod`, e.g. "755" or "0644". */
  chmod?: string;
  /** `--exclude` patterns, matched relative to each source. */
  excludes?: string[];
  /** .dockerignore filter for context sources (true = excluded). */
  ignore?: (relPath: string) => boolean;
  /** ADD: extract local tar archives (plain, gzip, bzip2, xz, zstd), sniffed by content. */
  isAdd: boolean;
  /** ADD --unpack: force (true) or prevent (false) extraction; default: extract local archives. */
  unpack?: boolean;
  /** Heredoc sources. */
  inline?: { name: string; content: string }[];
  /** `--parents`: keep each source's path (from the context root or a `/./` pivot). */
  parents?: boolean;
  /** Clamp copied mtimes to this (seconds); created entries get exactly this. */
  sourceDateEpoch?: number;
}

export interface CopyResult {
  /** Entries written (files, dirs, symlinks, hardlinks, archive members). */
  copied: number;
}

/** Ownership and permission policy for everything one request writes. */
export interface WriteAttrs {
  /** Forced owner (from --chown), or undefined to keep the source's (0:0 for context sources). */
  owner?: { uid: number; gid: number };
  /** true: everything is owned by 0:0 unless `owner` is set (build context semantics). */
  rootOwned: boolean;
  /** --chmod bits for copied files and dirs. */
  mode?: number;
  /** Seconds; mtimes are clamped to it. */
  epoch?: number;
}
