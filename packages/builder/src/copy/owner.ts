import { readFile } from "node:fs/promises";
import { StrataError, errnoCode, resolveInRoot } from "@strata/core";

const NUMERIC = /^\d+$/;
const MAX_ID = 2 ** 32 - 2;

/**
 * Resolve a `--chown` spec against the destination rootfs, as BuildKit does: a numeric user
 * without a group gives uid:uid; a user name without a group gives the user's primary group.
 * Names are looked up in the rootfs' /etc/passwd and /etc/group (never the host's).
 */
export async function resolveOwner(rootfs: string, spec: string): Promise<{ uid: number; gid: number }> {
  const parts = spec.split(":");
  if (parts.length > 2 || parts[0] === "" || parts[1] === "") {
    throw new StrataError("INVALID_ARGUMENT", `invalid --chown value ${JSON.stringify(spec)}: expected user, user:group, uid or uid:gid`);
  }
  const [user, group] = parts as [string, string | undefined];
  let uid: number;
  let gid: number;
  if (NUMERIC.test(user)) {
    uid = gid = toId(user, spec);
  } else {
    const entry = (await readDatabase(rootfs, "/etc/passwd")).find((f) => f[0] === user);
    if (!entry || !NUMERIC.test(entry[2] ?? "") || !NUMERIC.test(entry[3] ?? "")) {
      throw new StrataError("NOT_FOUND", `unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`, {
        hint: "the user must exist in /etc/passwd of the destination image, or use a numeric uid",
      });
    }
    uid = toId(entry[2]!, spec);
    gid = toId(entry[3]!, spec);
  }
  if (group !== undefined) {
    if (NUMERIC.test(group)) gid = toId(group, spec);
    else {
      const entry = (await readDatabase(rootfs, "/etc/group")).find((f) => f[0] === group);
      if (!entry || !NUMERIC.test(entry[2] ?? "")) {
        throw new StrataError("NOT_FOUND", `unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`, {
          hint: "the group must exist in /etc/group of the destination image, or use a numeric gid",
        });
      }
      gid = toId(entry[2]!, spec);
    }
  }
  return { uid, gid };
}

function toId(s: string, spec: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > MAX_ID) throw new StrataError("INVALID_ARGUMENT", `invalid --chown value ${JSON.stringify(spec)}: id ${s} out of range`);
  return n;
}

/** The colon-separated records of a passwd/group file inside the rootfs; a missing file is empty. */
async function readDatabase(rootfs: string, file: string): Promise<string[][]> {
  let text: string;
  try {
    text = await readFile(await resolveInRoot(rootfs, file), "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return [];
    throw e;
  }
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split(":"));
}
