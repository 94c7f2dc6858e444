import { run, runChecked } from "@strata/core";

/** Extended attributes by absolute path: [name, "0x…" hex value]. */
export type XattrMap = Map<string, [string, string][]>;

/** Attributes that must not travel: the host's SELinux label and overlayfs' own bookkeeping. */
const SKIP = (name: string) => name === "security.selinux" || name.startsWith("trusted.overlay.");

/**
 * Read the xattrs (file capabilities, user.*, ACLs…) of `src`, recursively for a directory, with
 * one `getfattr` process (Node has no xattr API). Symlinks are not followed. Returns an empty map
 * when there are none or getfattr is missing.
 */
export async function readXattrs(src: string, recursive: boolean): Promise<XattrMap> {
  const args = ["-d", "-m", "-", "-e", "hex", "--absolute-names", ...(recursive ? ["-R", "-P"] : ["-h"]), "--", src];
  const out: XattrMap = new Map();
  const stdout = (await run("getfattr", args)).stdout.toString("latin1");
  let current: [string, string][] | undefined;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("# file: ")) {
      current = [];
      out.set(Buffer.from(unquote(line.slice(8)), "latin1").toString("utf8"), current);
    } else if (current && line !== "") {
      const eq = line.indexOf("=");
      const name = unquote(eq < 0 ? line : line.slice(0, eq));
      if (!SKIP(name)) current.push([name, eq < 0 ? "" : line.slice(eq + 1)]);
    }
  }
  for (const [k, v] of out) if (v.length === 0) out.delete(k);
  return out;
}

/** Write attributes onto destination paths with one `setfattr --restore` (never through symlinks). */
export async function restoreXattrs(items: Iterable<[string, [string, string][]]>): Promise<void> {
  let dump = "";
  for (const [path, attrs] of items) {
    dump += `# file: ${quote(Buffer.from(path, "utf8").toString("latin1"))}\n`;
    for (const [name, value] of attrs) dump += `${quote(name)}=${value}\n`;
    dump += "\n";
  }
  if (dump === "") return;
  await runChecked("setfattr", ["-h", "--restore=-"], { input: Buffer.from(dump, "latin1") });
}

/** attr's quoting: backslash, "=", whitespace and non-printable bytes as \ooo. */
function quote(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c <= 0x20 || c >= 0x7f || ch === "\\" || ch === "=" ? "\\" + c.toString(8).padStart(3, "0") : ch;
  }
  return out;
}

function unquote(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}
