// The summary: a table of medians and strata/BuildKit ratios, and a JSON file.
import { writeFileSync } from "node:fs";
import path from "node:path";

const secs = (r) => (r?.median !== undefined ? `${r.median.toFixed(r.median < 1 ? 3 : 2)} s` : r?.maxRssKiB !== undefined ? `${(r.maxRssKiB / 1024).toFixed(0)} MiB` : r?.error ? "error" : "-");

export function ratio(strata, buildkit) {
  if (strata?.median === undefined || buildkit?.median === undefined || buildkit.median === 0) return undefined;
  return strata.median / buildkit.median;
}

export function printTable(rows) {
  const header = ["scenario", "variant", "strata", "buildkit", "strata/buildkit"];
  const lines = rows.map((r) => [r.title, r.variant, secs(r.strata), secs(r.buildkit), r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : "-"]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols) => cols.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) {
    for (const side of ["strata", "buildkit"]) {
      if (r[side]?.error) console.log(`\n${r.id}/${r.variant}/${side}: ${r[side].error}`);
    }
  }
}

export function writeSummary(resultsDir, summary) {
  const file = path.join(resultsDir, `summary-${summary.startedAt.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(summary, null, 2) + "\n");
  writeFileSync(path.join(resultsDir, "summary-latest.json"), JSON.stringify(summary, null, 2) + "\n");
  return file;
}
