import { canonicalJSON, type ContainerConfig, type ImageConfig } from "@strata/core";

/** The runtime config fields a Dockerfile controls. */
export const COMPARED_CONFIG_FIELDS = [
  "Env",
  "Cmd",
  "Entrypoint",
  "WorkingDir",
  "User",
  "ExposedPorts",
  "Volumes",
  "Labels",
  "StopSignal",
  "Healthcheck",
  "Shell",
  "OnBuild",
] as const satisfies readonly (keyof ContainerConfig)[];

/** Fields where an empty list means something (`CMD []`) and is not the same as unset. */
const EMPTY_LIST_MEANINGFUL = new Set<string>(["Cmd", "Entrypoint"]);

function normal(field: string, v: unknown): string {
  if (v === undefined || v === null || v === "") return "(unset)";
  if (Array.isArray(v) && v.length === 0 && !EMPTY_LIST_MEANINGFUL.has(field)) return "(unset)";
  if (!Array.isArray(v) && typeof v === "object" && Object.keys(v).length === 0) return "(unset)";
  return canonicalJSON(v);
}

/** Differences in the config fields above, platform, and history (entry count and empty_layer flags). */
export function compareConfigs(a: ImageConfig, b: ImageConfig, names: [string, string]): string[] {
  const [na, nb] = names;
  const out: string[] = [];
  const ca = (a.config ?? {}) as Record<string, unknown>;
  const cb = (b.config ?? {}) as Record<string, unknown>;
  for (const f of COMPARED_CONFIG_FIELDS) {
    const [va, vb] = [normal(f, ca[f]), normal(f, cb[f])];
    if (va !== vb) out.push(`config.${f}: ${na}=${va} ${nb}=${vb}`);
  }
  for (const f of ["architecture", "os"] as const) {
    if (a[f] !== b[f]) out.push(`${f}: ${na}=${a[f]} ${nb}=${b[f]}`);
  }
  const ha = a.history ?? [];
  const hb = b.history ?? [];
  if (ha.length !== hb.length) {
    const show = (h: typeof ha) => h.map((e) => (e.empty_layer ? "-" : "L")).join("");
    out.push(`history: ${na} has ${ha.length} entries (${show(ha)}), ${nb} has ${hb.length} (${show(hb)}); L = layer, - = empty_layer`);
  } else {
    ha.forEach((e, i) => {
      const [ea, eb] = [!!e.empty_layer, !!hb[i]!.empty_layer];
      if (ea !== eb) out.push(`history[${i}].empty_layer: ${na}=${ea} ${nb}=${eb} (${hb[i]!.created_by ?? e.created_by ?? ""})`);
    });
  }
  const [la, lb] = [a.rootfs?.diff_ids?.length ?? 0, b.rootfs?.diff_ids?.length ?? 0];
  if (la !== lb) out.push(`rootfs: ${na} has ${la} layers, ${nb} has ${lb}`);
  return out;
}
