import { readFileSync, statSync } from "node:fs";
import { StrataError, errnoCode, resolveInRoot } from "@strata/core";

/** A process identity inside the container, as Docker derives it from `USER`. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups: the groups listing the user by name (only when no group is given). */
  additionalGids: number[];
  /** The home directory from passwd, or "/" when the user has no entry. */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;

/**
 * Resolves `spec` ("uid", "uid:gid", "name", "name:group", or empty for root) against the
 * rootfs's /etc/passwd and /etc/group, following moby/sys/user's rules: a numeric user is
 * always a uid and may lack an entry (gid 0, home "/"); a name must have one.
 */
export async function resolveUser(root: string, spec = ""): Promise<ResolvedUser> {
  const sep = spec.indexOf(":");
  const userArg = sep < 0 ? spec : spec.slice(0, sep);
  const groupArg = sep < 0 ? "" : spec.slice(sep + 1);
  const uidArg = parseId(userArg);
  const gidArg = parseId(groupArg);

  const passwd = await readEtcFile(root, "/etc/passwd", parsePasswdLine);
  const user = (passwd ?? []).find((u) =>
    userArg === "" ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg,
  );
  const out: ResolvedUser = { uid: 0, gid: 0, additionalGids: [], home: "/" };
  if (user) {
    Object.assign(out, { uid: user.uid, gid: user.gid, home: user.home });
  } else if (userArg !== "") {
    if (uidArg === undefined) {
      throw new StrataError("NOT_FOUND", `unable to find user ${userArg}: no matching entries in passwd file`);
    }
    out.uid = uidArg;
  }

  if (groupArg === "" && !user) return out;
  const groups = (await readEtcFile(root, "/etc/group", parseGroupLine)) ?? [];
  if (groupArg !== "") {
    const group = groups.find((g) => (gidArg !== undefined ? g.gid === gidArg : g.name === groupArg));
    if (group) out.gid = group.gid;
    else if (gidArg !== undefined) out.gid = gidArg;
    else throw new StrataError("NOT_FOUND", `unable to find group ${groupArg}: no matching entries in group file`);
  } else {
    out.additionalGids = groups.filter((g) => g.members.includes(user!.name)).map((g) => g.gid);
  }
  return out;
}

function parseId(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  if (n > MAX_ID) throw new StrataError("INVALID_ARGUMENT", `user or group id ${s} is out of range`);
  return n;
}

/** Reads an /etc database through the container's root; undefined when it does not exist. */
async function readEtcFile<T>(root: string, file: string, parse: (fields: string[]) => T | undefined) {
  const host = await resolveInRoot(root, file);
  let text: string;
  try {
    // Never open a FIFO or device an image might have planted there.
    if (!statSync(host).isFile()) return undefined;
    text = readFileSync(host, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
    throw e;
  }
  const entries: T[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const entry = parse(trimmed.split(":"));
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

function parsePasswdLine(f: string[]): PasswdEntry | undefined {
  const uid = parseNumber(f[2]);
  const gid = parseNumber(f[3]);
  if (!f[0] || uid === undefined || gid === undefined) return undefined;
  return { name: f[0], uid, gid, home: f[5] || "/" };
}

function parseGroupLine(f: string[]): GroupEntry | undefined {
  const gid = parseNumber(f[2]);
  if (!f[0] || gid === undefined) return undefined;
  return { name: f[0], gid, members: (f[3] ?? "").split(",").filter(Boolean) };
}

const parseNumber = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
