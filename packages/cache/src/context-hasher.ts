import path from "node:path";
import { StrataError, cleanPath, digestJSON, hexOf, sha256, type Digest } from "@strata/core";
import { CONTEXT_CHECKSUM_VERSION, digestListing, entryLine, type ContextChecksum, type ContextEntry, type Owner } from "./context-checksum.js";
import { walkSources, type WalkedEntry } from "./context-walk.js";
import type { IgnoreFilter } from "./exclude.js";
import { SMALL_FILE_MAX, digestLargeFile, digestSmallFileSync } from "./file-digest.js";
import { createLimiter } from "./limiter.js";
import { StatCache } from "./stat-cache.js";
import { walkFingerprint } from "./walk-fingerprint.js";

type FileContent = { size: number; digest: Digest };
/** `settled`: remembered by the stat cache (not racy, not changed while read). */
type FileDigest = FileContent & { settled: boolean };

export interface ContextHasherOptions {
  contextDir: string;
  /** Where the stat cache lives (one file, loaded once, written by `save()`). */
  statCacheFile: string;
  /** `.dockerignore` filter over context-relative paths (true = excluded). */
  ignore?: IgnoreFilter;
  /** Large files (over 1 MiB) read at once (default 4); smaller ones and metadata are read synchronously. */
  concurrency?: number;
}

export interface ChecksumOptions {
  /** `--exclude` patterns, relative to each source. */
  excludes?: string[];
  /** `--chown` result; default 0:0 (context files are root-owned in the layer, whatever the host says). */
  owner?: Owner;
  /** `--chmod` bits, applied to files and directories. */
  chmod?: number;
  /** Follow a symlink named directly as a source (COPY does; default true). */
  followTopSymlink?: boolean;
}

/** Counters since the hasher was opened; tests and `--dry-run` timing read them. */
export interface HasherCounters {
  /** Files whose bytes were read. */
  filesHashed: number;
  bytesHashed: number;
  /** Files verified by stat alone. */
  statHits: number;
}

export interface ContextHasher {
  /** Checksum what a COPY/ADD of `sources` would read. */
  checksum(sources: string[], opts?: ChecksumOptions): Promise<ContextChecksum>;
  /** Persist the stat cache (atomic replace); after a checksum of ".", files no longer seen are forgotten. */
  save(): Promise<void>;
  readonly counters: Readonly<HasherCounters>;
}

/**
 * Open a checksummer for one build context. File digests are remembered by stat identity (see
 * StatCache), so an unchanged context costs one lstat per path; only changed files are read.
 */
export async function openContextHasher(opts: ContextHasherOptions): Promise<ContextHasher> {
  const root = path.resolve(opts.contextDir);
  const statCache = await StatCache.load(opts.statCacheFile, root);
  const limit = createLimiter(opts.concurrency ?? 4);
  const counters: HasherCounters = { filesHashed: 0, bytesHashed: 0, statHits: 0 };
  /** One read per path at a time, even when overlapping checksums ask for it together. */
  const inFlight = new Map<string, Promise<FileDigest>>();
  /** A checksum of "." saw every file the context has, so `save` may forget the others. */
  let sawWholeContext = false;

  const remember = (w: WalkedEntry, result: FileContent, readStart: number): FileDigest => {
    counters.filesHashed++;
    counters.bytesHashed += result.size;
    const settled = result.size === w.st.size && statCache.set(w.rel, w.st, result.digest, readStart);
    return { ...result, settled };
  };

  /** Small files are read inline (see file-digest.ts); large ones stream, a few at a time, each once. */
  const hashFile = (w: WalkedEntry): FileDigest | Promise<FileDigest> => {
    const file = path.join(root, w.rel);
    if (w.st.size <= SMALL_FILE_MAX) {
      const readStart = Date.now(); // before the read: a later time could mark a racy file settled
      return remember(w, digestSmallFileSync(file, w.st), readStart);
    }
    const flightKey = `${w.rel}\0${w.st.ino}\0${w.st.ctimeMs}`;
    let pending = inFlight.get(flightKey);
    if (!pending) {
      pending = limit(async () => {
        const readStart = Date.now();
        return remember(w, await digestLargeFile(file, w.st), readStart);
      }).finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, pending);
    }
    return pending;
  };

  return {
    counters,
    async checksum(sources, copts = {}) {
      if (sources.length === 0) throw new StrataError("INVALID_ARGUMENT", "checksum needs at least one source");
      if (copts.chmod !== undefined && (!Number.isInteger(copts.chmod) || copts.chmod < 0 || copts.chmod > 0o7777)) {
        throw new StrataError("INVALID_ARGUMENT", `invalid --chmod mode ${copts.chmod}`);
      }
      const owner = copts.owner ?? { uid: 0, gid: 0 };
      const followTopSymlink = copts.followTopSymlink ?? true;
      const walked = await walkSources(sources, { root, ignore: opts.ignore, excludes: copts.excludes, followTopSymlink });
      // The whole checksum, remembered under what selected the tree and what the walk saw of it.
      const memoKey = opts.ignore === undefined || opts.ignore.key !== undefined
        ? hexOf(digestJSON({ v: CONTEXT_CHECKSUM_VERSION, sources, excludes: copts.excludes ?? [], chmod: copts.chmod ?? null, owner, followTopSymlink, ignore: opts.ignore?.key ?? null }))
        : undefined;
      const fingerprint = memoKey === undefined ? undefined : walkFingerprint(walked);
      const memo = memoKey === undefined ? undefined : statCache.memo(memoKey);
      if (memo !== undefined && memo.fingerprint === fingerprint) {
        for (const w of walked) if (w.kind === "file") counters.statHits++;
        // Digests from the stat cache, or read again (synchronously: this runs in a property
        // getter) for a file it has forgotten since.
        const remembered = (w: WalkedEntry): FileContent => ({
          size: w.st.size,
          digest: statCache.get(w.rel, w.st) ?? digestSmallFileSync(path.join(root, w.rel), w.st).digest,
        });
        return checksumOf(memo.digest as Digest, owner, () => listEntries(walked, copts.chmod, remembered));
      }
      // Only a walk that looked up every file may let `save` forget the files it did not see:
      // a remembered checksum looks up none, and would otherwise empty the stat cache.
      if (sources.some((s) => cleanPath(s) === "/") && !copts.excludes?.length) sawWholeContext = true;
      // Stat hits copy their digest bytes straight into the listing's block; only misses read files.
      const digests = Buffer.alloc(walked.length * 32);
      const sizes = new Float64Array(walked.length);
      const misses: Promise<void>[] = [];
      let files = 0;
      let allSettled = true;
      for (let i = 0; i < walked.length; i++) {
        const w = walked[i]!;
        if (i % 512 === 511) await new Promise<void>((resolve) => setImmediate(resolve)); // let other steps run
        if (w.kind !== "file") continue;
        const at = files++ * 32;
        if (statCache.copyDigest(w.rel, w.st, digests, at)) {
          counters.statHits++;
          sizes[i] = w.st.size;
          continue;
        }
        const hashed = hashFile(w);
        const set = ({ digest, size, settled }: FileDigest): void => {
          digests.write(digest.slice(7), at, 32, "hex");
          sizes[i] = size;
          allSettled &&= settled;
        };
        if (hashed instanceof Promise) misses.push(hashed.then(set));
        else set(hashed);
      }
      await Promise.all(misses);
      const block = digests.subarray(0, files * 32);
      const lines = walked.map((w, i) => entryLine(w.kind, entryMode(w, copts.chmod), w.rel, w.kind === "file" ? sizes[i]! : (w.target ?? "")));
      const digest = digestListing(lines, walked.length, owner, block);
      // A racy file could still change without its stat showing it: remember nothing then.
      if (memoKey !== undefined && fingerprint !== undefined && allSettled) statCache.setMemo(memoKey, fingerprint, digest);
      const hashed = (w: WalkedEntry, i: number, file: number): FileContent => ({
        size: sizes[i]!,
        digest: `sha256:${block.toString("hex", file * 32, file * 32 + 32)}`,
      });
      return checksumOf(digest, owner, () => listEntries(walked, copts.chmod, hashed));
    },
    save: () => statCache.save({ dropUnseen: sawWholeContext }),
  };
}

/** A stat cache file per context directory under `cacheDir` (e.g. `<root>/cache/contexts/<hex>.stat`). */
export function statCacheFileFor(cacheDir: string, contextDir: string): string {
  return path.join(cacheDir, "contexts", `${hexOf(sha256(path.resolve(contextDir)))}.stat`);
}

/** A checksum whose entries are built when first read (explaining a miss, saving a record). */
function checksumOf(digest: Digest, owner: Owner, build: () => ContextEntry[]): ContextChecksum {
  let entries: ContextEntry[] | undefined;
  return {
    digest,
    owner,
    get entries() {
      return (entries ??= build());
    },
  };
}

/** The mode an entry will have in the layer: a symlink's is always 0777, --chmod applies to the rest. */
const entryMode = (w: WalkedEntry, chmod: number | undefined): number => (w.kind === "symlink" ? 0o777 : (chmod ?? w.st.mode & 0o7777));

/** A checksum's entries; `content` gives a file's size and digest (`file` counts files only). */
function listEntries(
  walked: readonly WalkedEntry[],
  chmod: number | undefined,
  content: (w: WalkedEntry, i: number, file: number) => FileContent,
): ContextEntry[] {
  let file = 0;
  return walked.map((w, i): ContextEntry => {
    const base = { path: w.rel, mode: entryMode(w, chmod) };
    if (w.kind === "symlink") return { ...base, kind: "symlink", target: w.target };
    if (w.kind === "dir") return { ...base, kind: "dir" };
    return { ...base, kind: "file", ...content(w, i, file++) };
  });
}
