import type { ImageConfig } from "@strata/core";

export type FileType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

/** One path of a flattened image: metadata only; file bodies are reduced to their sha256. */
export interface FileEntry {
  type: FileType;
  /** Permission bits including setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (a hardlink reports its target's size). */
  size: number;
  /** "sha256:…" of the content, for files and hardlinks. */
  sha256?: string;
  /** Symlink target, or for a hardlink the path (absolute, "/a/b") it links to. */
  linkTarget?: string;
  /** "major,minor" for char and block devices. */
  device?: string;
  xattrs?: Record<string, string>;
}

export interface FlattenedImage {
  /** Absolute clean paths ("/etc/passwd") → entry; the root "/" itself is not listed. */
  files: Map<string, FileEntry>;
  config: ImageConfig;
}
