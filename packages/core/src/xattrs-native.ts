import { createRequire } from "node:module";
import { StrataError } from "./errors.js";

/** What strata needs of @napi-rs/xattr. */
interface NapiXattr {
  listAttributesSync(path: string): string[];
  getAttributeSync(path: string, name: string): Buffer | null;
  setAttributeSync(path: string, name: string, value: Uint8Array): void;
}

export interface NativeXattrs {
  /** All xattrs of `file` (not following a symlink); undefined when it has none or is gone. */
  read(file: string): Map<string, Buffer> | undefined;
  write(file: string, name: string, value: Buffer): void;
}

let loaded: NativeXattrs | null | undefined;

/**
 * The native xattr calls, loaded on first use (~1.5 ms), or undefined when the optional
 * dependency's prebuilt binary is missing for this platform, or STRATA_XATTRS=getfattr asks
 * for the getfattr fallback (tests run both).
 */
export function nativeXattrs(): NativeXattrs | undefined {
  loaded ??= load();
  return loaded ?? undefined;
}

function load(): NativeXattrs | null {
  if (process.env.STRATA_XATTRS === "getfattr") return null;
  const napi = loadNapi();
  if (!napi) return null;
  return {
    read(file) {
      let names: string[];
      try {
        names = napi.listAttributesSync(file);
      } catch (e) {
        if (GONE_OR_UNSUPPORTED.has(osErrno(e))) return undefined;
        throw failure("reading xattrs of", file, e);
      }
      if (names.length === 0) return undefined;
      const set = new Map<string, Buffer>();
      for (const name of names) {
        let value: Buffer | null;
        try {
          value = napi.getAttributeSync(file, name);
        } catch (e) {
          if (GONE_OR_UNSUPPORTED.has(osErrno(e)) || osErrno(e) === ENODATA) continue;
          throw failure(`reading xattr ${name} of`, file, e);
        }
        if (value !== null) set.set(name, Buffer.from(value));
      }
      return set.size > 0 ? set : undefined;
    },
    write(file, name, value) {
      try {
        napi.setAttributeSync(file, name, value);
      } catch (e) {
        throw failure(`setting xattr ${name} on`, file, e);
      }
    },
  };
}

/**
 * The platform package straight away where it is the usual one (0.9 ms), then the package's own
 * loader (2.5 ms: it probes for musl and tries a local binary first).
 */
function loadNapi(): NapiXattr | undefined {
  const require = createRequire(import.meta.url);
  const candidates = [`@napi-rs/xattr-${process.platform}-${process.arch}${process.platform === "linux" ? "-gnu" : ""}`, "@napi-rs/xattr"];
  for (const id of candidates) {
    try {
      return require(id) as NapiXattr;
    } catch {
      // not installed for this platform, or built for another libc
    }
  }
  return undefined;
}

const ENOENT = 2;
const ENOTDIR = 20;
const ENODATA = 61;
const EOPNOTSUPP = 95;
const GONE_OR_UNSUPPORTED = new Set<number | undefined>([ENOENT, ENOTDIR, EOPNOTSUPP]);

/** napi-rs reports OS errors as "<text> (os error N)". */
function osErrno(e: unknown): number | undefined {
  const m = /\(os error (\d+)\)/.exec(e instanceof Error ? e.message : String(e));
  return m ? Number(m[1]) : undefined;
}

function failure(what: string, file: string, e: unknown): StrataError {
  return new StrataError("INTERNAL", `${what} ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** Forgets the loaded reader so the next use reads STRATA_XATTRS again (tests switch backends). */
export function reloadNativeXattrs(): void {
  loaded = undefined;
}
