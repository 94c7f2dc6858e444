import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { isStrataError } from "@strata/core";
import type { Volumes } from "@strata/runner";
import type { GlobalOptions } from "../engine.js";
import { printError, usageError } from "../errors.js";
import { parseFilters } from "../filters.js";
import { humanSize } from "../format.js";
import { formatEach, formatList } from "../list-format.js";
import { confirm } from "./containers/lifecycle.js";

async function openVolumes(globals: GlobalOptions): Promise<Volumes> {
  const [{ Volumes, ContainerRecords }, { storeRoot }] = await Promise.all([import("@strata/runner"), import("../engine.js")]);
  const root = await storeRoot(globals);
  return new Volumes(root, new ContainerRecords(root));
}

function keyValues(specs: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const eq = s.indexOf("=");
    if (what === "opt" && eq <= 0) throw usageError(`invalid option: ${s} (KEY=VALUE)`);
    out[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? "" : s.slice(eq + 1);
  }
  return out;
}

/** `strata volume create [--name N | N] [--label K=V] [--opt K=V] [-d local]`: prints the name. */
export async function volumeCreate(name: string | undefined, o: { name?: string; label: string[]; opt: string[]; driver?: string }, g: GlobalOptions): Promise<void> {
  if (name !== undefined && o.name !== undefined && name !== o.name) throw usageError(`conflicting options: either specify --name or provide positional arg, not both`);
  if (o.driver !== undefined && o.driver !== "local") throw usageError(`volume driver ${o.driver} is not supported (local)`);
  const vols = await openVolumes(g);
  const v = await vols.create(name ?? o.name, { labels: keyValues(o.label, "label"), options: keyValues(o.opt, "opt") });
  process.stdout.write(`${v.Name}\n`);
}

/** `strata volume ls [-q] [--filter dangling=|name=|label=|driver=] [--format]`. */
export async function volumeList(o: { quiet?: boolean; filter: string[]; format?: string }, g: GlobalOptions): Promise<void> {
  const f = parseFilters(o.filter, ["dangling", "name", "label", "driver"]);
  const { labelMatches } = await import("@strata/runner");
  const dangling = f.values("dangling").map((v) => {
    if (!["true", "false", "1", "0"].includes(v)) throw usageError(`invalid filter 'dangling=${v}'`);
    return v === "true" || v === "1";
  });
  const vols = await openVolumes(g);
  const rows = vols
    .list()
    .filter(({ users }) => dangling.every((d) => (users.length === 0) === d))
    .filter(({ volume }) => f.values("name").every((n) => volume.Name.includes(n)))
    .filter(({ volume }) => f.values("label").every((l) => labelMatches(volume.Labels, l)))
    .filter(({ volume }) => f.values("driver").every((d) => d === volume.Driver))
    .sort((a, b) => (a.volume.Name < b.volume.Name ? -1 : 1));
  if (o.quiet) {
    process.stdout.write(rows.map((r) => `${r.volume.Name}\n`).join(""));
    return;
  }
  const list = rows.map(({ volume, users }) => ({
    Driver: volume.Driver,
    Name: volume.Name,
    Mountpoint: volume.Mountpoint,
    Scope: volume.Scope,
    Labels: Object.entries(volume.Labels).map(([k, v]) => `${k}=${v}`).join(","),
    Links: String(users.length),
    Size: "N/A",
  }));
  process.stdout.write(formatList(o.format, list, { table: "table {{.Driver}}\t{{.Name}}", headers: { Driver: "DRIVER", Name: "VOLUME NAME", Mountpoint: "MOUNTPOINT" } }));
}

/** `strata volume inspect [-f] NAME...`: Docker's shape (Labels and Options null when empty). */
export async function volumeInspect(names: string[], o: { format?: string }, g: GlobalOptions): Promise<number> {
  const vols = await openVolumes(g);
  const { nilMap } = await import("../go-template/index.js");
  const out: unknown[] = [];
  let status = 0;
  for (const n of names) {
    try {
      const v = vols.inspect(n);
      out.push({
        CreatedAt: v.CreatedAt,
        Driver: v.Driver,
        Labels: Object.keys(v.Labels).length > 0 ? v.Labels : nilMap(),
        Mountpoint: v.Mountpoint,
        Name: v.Name,
        Options: Object.keys(v.Options).length > 0 ? v.Options : nilMap(),
        Scope: v.Scope,
      });
    } catch (e) {
      if (!isStrataError(e) || e.code !== "NOT_FOUND") throw e;
      process.stderr.write(`Error: No such volume: ${n}\n`);
      status = 1;
    }
  }
  if (out.length > 0 || !o.format) process.stdout.write(formatEach(o.format, out));
  return status;
}

/** `strata volume rm [-f] NAME...`: one line per volume removed; a volume in use is refused. */
export async function volumeRemove(names: string[], o: { force?: boolean }, g: GlobalOptions): Promise<number> {
  const vols = await openVolumes(g);
  let status = 0;
  for (const n of names) {
    try {
      await vols.remove(n, o);
      process.stdout.write(`${n}\n`);
    } catch (e) {
      if (!isStrataError(e)) throw e;
      printError(e);
      status = 1;
    }
  }
  return status;
}

/** `strata volume prune [-a] [-f] [--filter label=]`. */
export async function volumePrune(o: { all?: boolean; force?: boolean; filter: string[] }, g: GlobalOptions): Promise<void> {
  const f = parseFilters(o.filter, ["label", "all"]);
  const all = o.all || f.values("all").some((v) => v === "true" || v === "1");
  const warning = all ? "WARNING! This will remove all local volumes not used by at least one container." : "WARNING! This will remove anonymous local volumes not used by at least one container.";
  if (!o.force && !(await confirm(`${warning}\nAre you sure you want to continue? [y/N] `))) return;
  const vols = await openVolumes(g);
  const { deleted, reclaimed } = await vols.prune({ all, labels: f.values("label") });
  if (deleted.length > 0) process.stdout.write(`Deleted Volumes:\n${deleted.map((d) => `${d}\n`).join("")}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}

/** `strata volume export NAME [-o FILE|-]`: a file is written whole or not at all. */
export async function volumeExport(name: string, o: { output?: string }, g: GlobalOptions): Promise<void> {
  const vols = await openVolumes(g);
  vols.inspect(name);
  if (!o.output || o.output === "-") {
    if (process.stdout.isTTY) throw usageError("cowardly refusing to write a tar to a terminal. Use -o or redirect");
    await vols.export(name, process.stdout);
    return;
  }
  const file = path.resolve(o.output);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const out = createWriteStream(tmp);
    await vols.export(name, out);
    out.end();
    await finished(out);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** `strata volume import NAME FILE|-`: replaces the volume's contents (creating the volume if needed). */
export async function volumeImport(name: string, file: string, g: GlobalOptions): Promise<void> {
  const vols = await openVolumes(g);
  const input = file === "-" ? process.stdin : createReadStream(file);
  await vols.import(name, input);
}
