import { StrataError, type HistoryEntry } from "@strata/core";
import { jsonAt, layerAt, resolveArchivePath, type ArchiveScan, type ScannedLayer } from "./archive-scan.js";
import { importImage, type LoadedImage } from "./archive-import.js";
import type { Store } from "./store.js";

/** The per-layer `json` of the pre-1.10 format (Docker image spec v1). */
interface V1Image {
  id: string;
  parent?: string;
  created?: string;
  author?: string;
  comment?: string;
  throwaway?: boolean;
  container_config?: { Cmd?: string[] | null };
  [key: string]: unknown;
}

/** Fields of the v1 json that describe the layer chain, not the image (dropped as Docker 1.10 did). */
const V1_ONLY = new Set(["id", "parent", "Size", "parent_id", "layer_id", "throwaway"]);

/**
 * Import the pre-1.10 layout: `repositories` {repo: {tag: id}} and one folder per v1 image with
 * `json` and `layer.tar`. Layers are content-addressed here; the config is built from the top
 * image's json with rootfs and history from the parent chain.
 */
export async function loadLegacyArchive(store: Store, scan: ArchiveScan): Promise<LoadedImage[]> {
  const repos = jsonAt<Record<string, Record<string, string>>>(scan, "repositories");
  const byId = new Map<string, string[]>();
  for (const [repo, tags] of Object.entries(repos)) {
    for (const [tag, id] of Object.entries(tags)) byId.set(id, [...(byId.get(id) ?? []), `${repo}:${tag}`]);
  }
  const out: LoadedImage[] = [];
  for (const [id, names] of byId) {
    const what = `archive ${scan.file}: legacy image ${id}`;
    const chain = v1Chain(scan, id, what);
    const layers: ScannedLayer[] = [];
    const history: HistoryEntry[] = [];
    for (const img of chain) {
      const layer = hasFile(scan, `${img.id}/layer.tar`) ? await layerAt(store, scan, `${img.id}/layer.tar`) : undefined;
      const empty = img.throwaway === true || layer === undefined || layer.raw.size === 0;
      if (!empty) layers.push(layer);
      history.push(historyEntry(img, empty));
    }
    const config = configFromV1(chain.at(-1)!, layers, history);
    out.push(...(await importImage(store, what, Buffer.from(config), layers, names)));
  }
  return out;
}

function v1Chain(scan: ArchiveScan, topId: string, what: string): V1Image[] {
  const chain: V1Image[] = [];
  const seen = new Set<string>();
  for (let id: string | undefined = topId; id; ) {
    if (seen.has(id)) throw new StrataError("INVALID_ARGUMENT", `${what}: parent chain loops at ${id}`);
    if (!/^[a-f0-9]{64}$/.test(id)) throw new StrataError("INVALID_ARGUMENT", `${what}: invalid v1 image id ${id}`);
    seen.add(id);
    const img: V1Image = jsonAt<V1Image>(scan, `${id}/json`);
    if (img.id !== undefined && img.id !== id) {
      throw new StrataError("INVALID_ARGUMENT", `${what}: ${id}/json names itself ${img.id}`);
    }
    chain.unshift({ ...img, id });
    id = img.parent || undefined;
  }
  return chain;
}

function hasFile(scan: ArchiveScan, p: string): boolean {
  const key = resolveArchivePath(scan, p);
  return scan.layers.has(key) || scan.files.has(key);
}

function historyEntry(img: V1Image, empty: boolean): HistoryEntry {
  const h: HistoryEntry = { created: img.created ?? "" };
  if (img.author) h.author = img.author;
  const cmd = img.container_config?.Cmd;
  if (cmd && cmd.length > 0) h.created_by = cmd.join(" ");
  if (img.comment) h.comment = img.comment;
  if (empty) h.empty_layer = true;
  return h;
}

/**
 * The config JSON the way Docker 1.10's migration produced it: the v1 json minus chain fields,
 * plus rootfs and history, top-level keys sorted and HTML characters escaped as Go does.
 */
function configFromV1(top: V1Image, layers: ScannedLayer[], history: HistoryEntry[]): string {
  const fields: Record<string, unknown> = { ...top, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diff.digest) }, history };
  fields.architecture ??= "amd64";
  fields.os ??= "linux";
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(fields).sort()) if (!V1_ONLY.has(k)) sorted[k] = fields[k];
  return goEscape(JSON.stringify(sorted));
}

const goEscape = (json: string): string =>
  json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
