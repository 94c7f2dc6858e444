import { normalizeReference, type Digest, type ImageConfig, type Manifest } from "@strata/core";
import { formatBinding, isActive, type ContainerRecord } from "@strata/runner";
import type { Store } from "@strata/store";
import type { GlobalOptions } from "../../engine.js";
import { usageError } from "../../errors.js";
import { parseFilters, type Filters } from "../../filters.js";
import { goTime, shortId } from "../../format.js";
import { formatList, type Row } from "../../list-format.js";
import { commandText, humanDuration, sizeText, statusText } from "./describe.js";
import { openContainers } from "./service.js";

export interface PsOptions {
  all?: boolean;
  size?: boolean;
  quiet?: boolean;
  trunc: boolean;
  filter: string[];
  format?: string;
}

const HEADERS = {
  ID: "CONTAINER ID",
  Image: "IMAGE",
  Command: "COMMAND",
  CreatedAt: "CREATED AT",
  RunningFor: "CREATED",
  Ports: "PORTS",
  State: "STATE",
  Status: "STATUS",
  Size: "SIZE",
  Names: "NAMES",
  Labels: "LABELS",
  Mounts: "MOUNTS",
  Networks: "NETWORKS",
  LocalVolumes: "LOCAL VOLUMES",
};

const TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

/** `strata ps`: Docker's columns and filters; `-s` adds SIZE from each writable layer alone. */
export async function psCommand(opts: PsOptions, globals: GlobalOptions): Promise<void> {
  const filters = parseFilters(opts.filter, ["status", "name", "ancestor", "id", "label", "exited"]);
  const svc = await openContainers(globals);
  const all = opts.all || filters.has("status") || filters.has("exited");
  let recs = (await svc.list()).filter((r) => all || isActive(r));
  recs = await applyFilters(svc.store, recs, filters);
  recs.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  if (opts.quiet) {
    process.stdout.write(recs.map((r) => `${opts.trunc ? r.id.slice(0, 12) : r.id}\n`).join(""));
    return;
  }
  const wantSize = opts.size || /\.Size\b/.test(opts.format ?? "") || opts.format === "json";
  const images = new ImageNames(svc.store);
  const rows: Row[] = [];
  const now = Date.now();
  for (const rec of recs) {
    rows.push({
      ID: opts.trunc ? rec.id.slice(0, 12) : rec.id,
      Image: await images.displayName(rec),
      Command: commandText(rec, opts.trunc),
      CreatedAt: goTime(rec.created),
      RunningFor: `${humanDuration(now - Date.parse(rec.created))} ago`,
      Ports: portsText(rec),
      State: rec.state.status,
      Status: statusText(rec, now),
      Size: wantSize ? sizeText(await svc.files.size(rec), await images.size(rec)) : "",
      Names: rec.name,
      Labels: Object.entries(rec.config.Labels).map(([k, v]) => `${k}=${v}`).join(","),
      Mounts: rec.mounts.map((m) => m.name ?? m.source).join(","),
      Networks: rec.hostConfig.NetworkMode === "host" ? "host" : "none",
      LocalVolumes: String(rec.mounts.filter((m) => m.type === "volume").length),
    });
  }
  const table = opts.size ? `${TABLE}\t{{.Size}}` : TABLE;
  process.stdout.write(formatList(opts.format, rows, { table, headers: HEADERS }));
}

/** PORTS: the published bindings of a running container, then its exposed-only ports. */
export function portsText(rec: ContainerRecord): string {
  if (!isActive(rec)) return "";
  const bound = rec.ports ?? [];
  const published = new Set(bound.map((b) => `${b.containerPort}/${b.protocol}`));
  const exposedOnly = Object.keys(rec.config.ExposedPorts ?? {}).filter((p) => !published.has(p));
  return [...bound.map(formatBinding), ...exposedOnly].join(", ");
}

async function applyFilters(store: Store, recs: ContainerRecord[], f: Filters): Promise<ContainerRecord[]> {
  const statuses = f.values("status");
  for (const s of statuses) {
    if (!["created", "restarting", "running", "removing", "paused", "exited", "dead"].includes(s)) {
      throw usageError(`invalid filter 'status=${s}'`);
    }
  }
  const names = f.values("name").map((n) => new RegExp(n));
  const ids = f.values("id");
  const exited = f.values("exited").map(Number);
  const labels = f.values("label");
  const ancestors = await Promise.all(f.values("ancestor").map((a) => ancestorImage(store, a)));
  const lineages = new Map<string, Promise<Lineage | undefined>>();
  const lineageOf = (rec: ContainerRecord) => {
    let p = lineages.get(rec.imageManifest);
    if (!p) {
      p = lineage(store, rec.imageManifest);
      lineages.set(rec.imageManifest, p);
    }
    return p;
  };
  const out: ContainerRecord[] = [];
  for (const r of recs) {
    if (statuses.length > 0 && !statuses.includes(r.state.status)) continue;
    if (names.length > 0 && !names.some((re) => re.test(r.name))) continue;
    if (ids.length > 0 && !ids.some((i) => r.id.startsWith(i))) continue;
    if (exited.length > 0 && !(r.state.status === "exited" && exited.includes(r.state.exitCode))) continue;
    if (labels.length > 0 && !labels.every((l) => labelMatches(r, l))) continue;
    if (ancestors.length > 0) {
      const mine = await lineageOf(r);
      const descends = ancestors.some((a) => a !== undefined && (a.id === r.imageId || (mine !== undefined && extends_(mine, a))));
      if (!descends) continue;
    }
    out.push(r);
  }
  return out;
}

function labelMatches(r: ContainerRecord, spec: string): boolean {
  const eq = spec.indexOf("=");
  if (eq < 0) return spec in r.config.Labels;
  return r.config.Labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

interface Lineage {
  id: Digest;
  diffIds: Digest[];
  history: string[];
}

/**
 * Whether an image was built on `base` (Docker's `ancestor=`): its layers and its history both
 * start with the base's, and it has more history (a FROM base plus at least one instruction).
 */
function extends_(image: Lineage, base: Lineage): boolean {
  const prefix = <T>(a: T[], b: T[]) => b.length <= a.length && b.every((x, i) => a[i] === x);
  return image.history.length > base.history.length && prefix(image.diffIds, base.diffIds) && prefix(image.history, base.history);
}

async function ancestorImage(store: Store, ref: string): Promise<Lineage | undefined> {
  const { readImage } = await import("@strata/store");
  const image = await readImage(store, ref).catch(() => undefined);
  return image && lineage(store, image.manifestDesc.digest);
}

async function lineage(store: Store, manifestDigest: Digest): Promise<Lineage | undefined> {
  const manifest = await store.content.readJSON<Manifest>(manifestDigest).catch(() => undefined);
  if (!manifest) return undefined;
  const config = await store.content.readJSON<ImageConfig>(manifest.config.digest);
  return { id: manifest.config.digest, diffIds: config.rootfs.diff_ids, history: (config.history ?? []).map((h) => `${h.created_by ?? ""}\0${h.empty_layer ? 1 : 0}`) };
}

/**
 * IMAGE as `docker ps` shows it: the name the container was created with while it still names
 * that image, else the image's short ID. Image sizes are looked up once per image.
 */
class ImageNames {
  #tags: Promise<Map<string, Digest>> | undefined;
  #sizes = new Map<string, Promise<number>>();
  constructor(private readonly store: Store) {}

  async displayName(rec: ContainerRecord): Promise<string> {
    if (/^(sha256:)?[0-9a-f]{6,64}$/.test(rec.image) && rec.imageId.includes(rec.image.replace(/^sha256:/, ""))) return rec.image;
    this.#tags ??= this.store.images.list().then((t) => new Map(t.map((x) => [x.name, x.target.digest])));
    let full: string;
    try {
      full = normalizeReference(rec.image);
    } catch {
      return shortId(rec.imageId);
    }
    const target = (await this.#tags).get(full);
    if (target === rec.imageManifest) return rec.image;
    if (target !== undefined) {
      const manifest = await this.store.content.readJSON<Manifest>(target).catch(() => undefined);
      if (manifest?.config.digest === rec.imageId) return rec.image;
    }
    return shortId(rec.imageId);
  }

  size(rec: ContainerRecord): Promise<number> {
    let p = this.#sizes.get(rec.imageManifest);
    if (!p) {
      p = (async () => {
        const { imageSize } = await import("../../image-size.js");
        const { readImage } = await import("@strata/store");
        const image = await readImage(this.store, rec.imageManifest).catch(() => undefined);
        return image ? imageSize(this.store, image) : 0;
      })();
      this.#sizes.set(rec.imageManifest, p);
    }
    return p;
  }
}
