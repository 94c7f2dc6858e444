import { StrataError, run } from "@strata/core";

/**
 * Docker's top: the host's `ps` (default `-ef`) limited to the container's processes, as a
 * header and rows. Like Docker it runs ps on the host and keeps the rows whose PID column is
 * one of the container's pids.
 */
export async function topOf(pids: readonly number[], psArgs: readonly string[]): Promise<{ titles: string[]; rows: string[][] }> {
  const args = psArgs.length > 0 ? [...psArgs] : ["-ef"];
  const r = await run("ps", args);
  if (r.failed) throw new StrataError("INVALID_ARGUMENT", `ps ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  const lines = r.stdout.toString().split("\n").filter((l) => l.trim() !== "");
  const titles = lines[0]!.trim().split(/\s+/);
  const pidColumn = titles.indexOf("PID");
  if (pidColumn < 0) throw new StrataError("INVALID_ARGUMENT", `Couldn't find PID field in ps output`);
  const wanted = new Set(pids);
  const rows: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!wanted.has(Number(fields[pidColumn]))) continue;
    // The last column (the command) may hold spaces: everything after the other columns.
    rows.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(" ")]);
  }
  return { titles, rows };
}
