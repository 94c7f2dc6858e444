import type { FileEntry } from "../flatten/file-entry.js";
import { hardlinkGroups } from "./hardlink-groups.js";

const octal = (n: number) => "0" + n.toString(8).padStart(4, "0");

/** A hardlink is compared as the file it is: its group membership says what it shares. */
const effectiveType = (e: FileEntry) => (e.type === "hardlink" ? "file" : e.type);

function describe(e: FileEntry): string {
  const link = e.type === "symlink" ? ` -> ${e.linkTarget}` : "";
  return `${effectiveType(e)} ${octal(e.mode)} ${e.uid}:${e.gid}${link}`;
}

const xattrText = (x?: Record<string, string>) =>
  Object.keys(x ?? {})
    .sort()
    .map((k) => `${k}=${x![k]}`)
    .join(",") || "(none)";

/**
 * Differences between two flattened file trees, one line per differing attribute. Not
 * compared: mtimes (builders legitimately differ) and directory sizes.
 */
export function compareFiles(
  a: Map<string, FileEntry>,
  b: Map<string, FileEntry>,
  names: [string, string],
  ignore: (p: string) => boolean,
): string[] {
  const [na, nb] = names;
  const out: string[] = [];
  const ga = hardlinkGroups(a);
  const gb = hardlinkGroups(b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((p) => !ignore(p)).sort();
  for (const p of paths) {
    const ea = a.get(p);
    const eb = b.get(p);
    if (!ea || !eb) {
      out.push(`${p}: only in ${ea ? na : nb} (${describe((ea ?? eb)!)})`);
      continue;
    }
    const diff = (what: string, va: unknown, vb: unknown) => {
      if (va !== vb) out.push(`${p}: ${what} ${na}=${String(va)} ${nb}=${String(vb)}`);
    };
    diff("type", effectiveType(ea), effectiveType(eb));
    diff("mode", octal(ea.mode), octal(eb.mode));
    diff("uid", ea.uid, eb.uid);
    diff("gid", ea.gid, eb.gid);
    if (effectiveType(ea) !== effectiveType(eb)) continue;
    if (effectiveType(ea) === "file") {
      diff("size", ea.size, eb.size);
      diff("content", ea.sha256 ?? "(unknown)", eb.sha256 ?? "(unknown)");
      const links = (g: Map<string, string[]>) => g.get(p)?.filter((x) => x !== p).join(",") || "(not hardlinked)";
      diff("hardlinked with", links(ga), links(gb));
    }
    if (ea.type === "symlink") diff("link target", ea.linkTarget, eb.linkTarget);
    if (ea.device !== undefined || eb.device !== undefined) diff("device", ea.device, eb.device);
    diff("xattrs", xattrText(ea.xattrs), xattrText(eb.xattrs));
  }
  return out;
}
