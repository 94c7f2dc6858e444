import path from "node:path";
import { familiarRepository, parseReference, type Descriptor, type Digest } from "@strata/core";
import type { ImageEntry, ResolvedImage } from "@strata/store";
import { storeRoot, type GlobalOptions } from "../engine.js";
import { humanSize, shortId, timeAgo, truncate } from "../format.js";
import { tabwrite } from "../list-format.js";

interface ImageUsage {
  entry: ImageEntry;
  image: ResolvedImage;
  size: number;
  shared: number;
  containers: number;
}

/** A volume's line in `system df` (the volumes code supplies them). */
export interface VolumeUsage {
  name: string;
  links: number;
  size: number;
}

/**
 * `strata system df [-v]`: Docker's TYPE / TOTAL / ACTIVE / SIZE / RECLAIMABLE rows for images,
 * containers, local volumes and the build cache. Layers are counted once however many images
 * share them, and N containers of one image cost the image once plus their writable layers.
 */
export async function dfCommand(opts: { verbose?: boolean }, globals: GlobalOptions): Promise<void> {
  const root = await storeRoot(globals);
  const [{ openStore, readImage }, { layerDiffSize }, { openCacheStore }, { ContainerService, isActive }] = await Promise.all([
    import("@strata/store"),
    import("@strata/layers"),
    import("@strata/cache"),
    import("@strata/runner"),
  ]);
  const store = await openStore(root);
  const { openContainers } = await import("./containers/service.js");
  const svc: InstanceType<typeof ContainerService> = await openContainers(globals);
  const containers = await svc.list();
  const layerSize = (l: Descriptor) => layerDiffSize(store.content, l, path.join(root, "layer-sizes"));

  // Images: each layer once; what an image shares is what another image also has.
  const usages: ImageUsage[] = [];
  const layerUsers = new Map<Digest, number>();
  const sizes = new Map<Digest, number>();
  const seenManifests = new Set<string>();
  for (const entry of await store.images.listAll()) {
    const image = await readImage(store, entry.target.digest).catch(() => undefined);
    if (!image) continue;
    for (const l of image.manifest.layers) sizes.set(l.digest, sizes.get(l.digest) ?? (await layerSize(l)));
    if (!seenManifests.has(image.manifestDesc.digest)) {
      seenManifests.add(image.manifestDesc.digest);
      for (const l of new Set(image.manifest.layers.map((x) => x.digest))) layerUsers.set(l, (layerUsers.get(l) ?? 0) + 1);
    }
    const size = image.manifest.layers.reduce((a, l) => a + sizes.get(l.digest)!, 0);
    const users = containers.filter((c) => c.imageId === image.configDigest).length;
    usages.push({ entry, image, size, shared: 0, containers: users });
  }
  for (const u of usages) u.shared = u.image.manifest.layers.reduce((a, l) => a + ((layerUsers.get(l.digest) ?? 0) > 1 ? sizes.get(l.digest)! : 0), 0);
  const images = uniqueBy(usages, (u) => u.image.configDigest);
  const imagesBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  const inUseLayers = new Set(images.filter((u) => u.containers > 0).flatMap((u) => u.image.manifest.layers.map((l) => l.digest)));
  const imagesReclaimable = [...sizes.entries()].filter(([d]) => !inUseLayers.has(d)).reduce((a, [, s]) => a + s, 0);

  // Containers: their writable layers alone.
  const rw = new Map<string, number>();
  for (const c of containers) rw.set(c.id, await svc.files.size(c));
  const containersBytes = [...rw.values()].reduce((a, b) => a + b, 0);
  const containersReclaimable = containers.filter((c) => !isActive(c)).reduce((a, c) => a + rw.get(c.id)!, 0);

  const { Volumes } = await import("@strata/runner");
  const vols = new Volumes(root, svc.records);
  const volumes: VolumeUsage[] = vols.list().map((u) => ({ name: u.volume.Name, links: u.users.length, size: vols.size(u.volume.Name) }));
  const volumesBytes = volumes.reduce((a, v) => a + v.size, 0);
  const volumesReclaimable = volumes.filter((v) => v.links === 0).reduce((a, v) => a + v.size, 0);

  const cache = await openCacheStore(path.join(root, "cache", "records"));
  const records = await cache.list();
  const cacheLayers = new Map<string, number>();
  for (const r of records) if (r.layer && !sizes.has(r.layer.digest)) cacheLayers.set(r.layer.digest, r.layer.size);
  const cacheBytes = [...cacheLayers.values()].reduce((a, b) => a + b, 0);

  const pct = (part: number, total: number) => (total > 0 ? `${humanSize(part)} (${Math.round((part / total) * 100)}%)` : humanSize(part));
  const summary = [
    ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
    ["Images", String(images.length), String(images.filter((u) => u.containers > 0).length), humanSize(imagesBytes), pct(imagesReclaimable, imagesBytes)],
    ["Containers", String(containers.length), String(containers.filter(isActive).length), humanSize(containersBytes), pct(containersReclaimable, containersBytes)],
    ["Local Volumes", String(volumes.length), String(volumes.filter((v) => v.links > 0).length), humanSize(volumesBytes), pct(volumesReclaimable, volumesBytes)],
    ["Build Cache", String(records.length), "0", humanSize(cacheBytes), humanSize(cacheBytes)],
  ];
  if (!opts.verbose) {
    process.stdout.write(tabwrite(summary.map((r) => r.join("\t"))));
    return;
  }

  const { commandText, humanDuration, statusText } = await import("./containers/describe.js");
  const now = Date.now();
  const section = (title: string, header: string[], rows: string[][]) =>
    `${title}\n\n${tabwrite([header, ...rows].map((r) => r.join("\t")))}\n`;
  let out = section(
    "Images space usage:",
    ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"],
    usages.map((u) => {
      const ref = u.entry.name ? parseReference(u.entry.name) : undefined;
      return [
        ref ? familiarRepository(ref.repository) : "<none>",
        ref?.tag ?? "<none>",
        shortId(u.image.configDigest),
        timeAgo(u.image.config.created),
        humanSize(u.size),
        humanSize(u.shared),
        humanSize(u.size - u.shared),
        String(u.containers),
      ];
    }),
  );
  out += section(
    "Containers space usage:",
    ["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"],
    containers.map((c) => [
      c.id.slice(0, 12),
      truncate(c.image, 30),
      commandText(c, true),
      String(c.mounts.filter((m) => m.type === "volume").length),
      humanSize(rw.get(c.id)!),
      `${humanDuration(now - Date.parse(c.created))} ago`,
      statusText(c, now),
      c.name,
    ]),
  );
  out += section("Local Volumes space usage:", ["VOLUME NAME", "LINKS", "SIZE"], volumes.map((v) => [v.name, String(v.links), humanSize(v.size)]));
  out += `Build cache usage: ${humanSize(cacheBytes)}\n\n`;
  out += tabwrite(
    [
      ["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"],
      ...records.map((r) => [
        r.key.slice(7, 19),
        "regular",
        humanSize(r.layer && !sizes.has(r.layer.digest) ? r.layer.size : 0),
        timeAgo(r.created),
        timeAgo(r.lastUsed),
        "1",
        String(r.layer !== undefined && sizes.has(r.layer.digest)),
      ]),
    ].map((r) => r.join("\t")),
  );
  process.stdout.write(out);
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(key(i)) ? false : (seen.add(key(i)), true)));
}
