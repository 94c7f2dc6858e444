import { StrataError } from "@strata/core";
import type { BuildResult, StepReport } from "@strata/builder";
import { table } from "../format.js";

/** Steps that can hit or miss the cache (the ones with a key). */
const cacheable = (steps: StepReport[]) => steps.filter((s) => s.key);

/** `--dry-run` as a table: one row per step that would produce a layer. */
export function dryRunTable(result: BuildResult): string {
  const rows = cacheable(result.steps).map((s) => [
    s.id,
    s.name,
    s.cached ? "HIT" : "MISS",
    s.cached ? "" : (s.reasons ?? []).join("; ") || "no earlier build of this step",
  ]);
  const hits = rows.filter((r) => r[2] === "HIT").length;
  return `${table(["STEP", "INSTRUCTION", "CACHE", "REASON"], rows)}\n${hits}/${rows.length} steps would be cached\n`;
}

export function dryRunJSON(result: BuildResult): string {
  const steps = cacheable(result.steps).map((s) => ({
    id: s.id,
    stage: s.stage,
    instruction: s.name,
    cache: s.cached ? "HIT" : "MISS",
    key: s.key,
    reasons: s.cached ? [] : (s.reasons ?? []),
  }));
  return `${JSON.stringify({ hits: steps.filter((s) => s.cache === "HIT").length, misses: steps.filter((s) => s.cache === "MISS").length, steps }, null, 2)}\n`;
}

/**
 * BuildKit's metadata-file keys, plus per-step cache status. After a push, as buildx writes
 * it, `containerimage.digest` is the pushed manifest's digest and a descriptor comes with it.
 */
export function metadataFile(result: BuildResult, pushed?: { digest: string; size: number; mediaType: string }): string {
  return `${JSON.stringify(
    {
      "containerimage.config.digest": result.imageId,
      "containerimage.digest": pushed?.digest ?? result.manifestDigest,
      ...(pushed ? { "containerimage.descriptor": { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size } } : {}),
      "image.name": result.tags.join(","),
      "strata.steps": result.steps.map((s) => ({
        id: s.id,
        stage: s.stage,
        instruction: s.name,
        key: s.key,
        cached: s.cached,
        durationMs: Math.round(s.durationMs),
        ...(s.reasons?.length && !s.cached ? { reasons: s.reasons } : {}),
      })),
    },
    null,
    2,
  )}\n`;
}

/** A Markdown table fit for a CI job summary. */
export function summaryMarkdown(result: BuildResult): string {
  const steps = cacheable(result.steps);
  const hits = steps.filter((s) => s.cached).length;
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = [
    `### strata build${result.tags.length ? `: ${result.tags.map((t) => `\`${t}\``).join(", ")}` : ""}`,
    "",
    `${hits}/${steps.length} layer steps cached${result.imageId ? ` · image \`${result.imageId.slice(0, 19)}\`` : ""}`,
    "",
    "| Step | Instruction | Cache | Time | Why it missed |",
    "| --- | --- | --- | ---: | --- |",
    ...steps.map((s) => `| ${s.id} | \`${cell(s.name)}\` | ${s.cached ? "CACHED" : "MISS"} | ${(s.durationMs / 1000).toFixed(2)}s | ${s.cached ? "" : cell((s.reasons ?? []).join("; "))} |`),
    "",
  ];
  return lines.join("\n");
}

/**
 * Whether `--fail-on-miss` trips: any miss, or with a stage name, any miss in that stage or
 * in stages before it in the Dockerfile.
 */
export function missesThatFail(result: BuildResult, stageOrder: readonly string[], stage: string | true): StepReport[] {
  const misses = cacheable(result.steps).filter((s) => !s.cached);
  if (stage === true) return misses;
  const limit = stageOrder.indexOf(stage.toLowerCase());
  if (limit < 0) {
    throw new StrataError("INVALID_ARGUMENT", `--fail-on-miss=${stage}: no such stage`, { hint: `stages are: ${stageOrder.filter(Boolean).join(", ") || "(none named)"}` });
  }
  return misses.filter((s) => {
    const i = stageOrder.indexOf(s.stage);
    return i >= 0 && i <= limit;
  });
}
