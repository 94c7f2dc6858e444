import type { CompareReport, CompareRow, StepRef } from "../compare/compare.js";
import type { FileChange, FileVersion } from "../compare/file-diff.js";
import { esc, page, searchableTable, type PageOptions } from "./page.js";

/**
 * `compare --html`: both layer stacks as bars sized by bytes (shared layers marked, the first
 * divergent step outlined), the aligned steps, then the file and config differences with a
 * searchable file table. Rendered here, so the page shows everything without its script; the
 * script only filters.
 */
export function renderComparePage(r: CompareReport, o: PageOptions): string {
  const label = (s: CompareReport["a"]) => s.name ?? s.ref;
  const title = `strata compare ${label(r.a)} ${label(r.b)}`;
  const first = r.firstDivergence?.row;
  const verdict = r.identical ? "Identical" : `Different: ${r.differences.join(", ")}`;
  const body = `
<header>
<h1>${esc(title)}</h1>
<p class="verdict" data-identical="${r.identical}">${esc(verdict)}</p>
<div class="images">
${(["a", "b"] as const).map((side) => imageBox(side, r[side], o)).join("\n")}
</div>
<ul class="facts">
<li id="shared-base">Shared base: ${r.sharedBase.layers} layer${r.sharedBase.layers === 1 ? "" : "s"}, ${esc(o.humanSize(r.sharedBase.size))}${r.sharedBase.allOfA ? " (every layer of A)" : ""}${r.sharedBase.allOfB ? " (every layer of B)" : ""}</li>
<li id="divergence">${divergenceText(r)}</li>
<li id="pull">A pull of B with A present reuses ${r.pull.reusedLayers} layer${r.pull.reusedLayers === 1 ? "" : "s"} (${esc(o.humanSize(r.pull.reusedBytes))}) and transfers ${r.pull.transferLayers} (${esc(o.humanSize(r.pull.transferBytes))})</li>
<li>Files: <span class="added">${r.files.added} added</span>, <span class="removed">${r.files.removed} removed</span>, <span class="changed">${r.files.changed} changed</span>; config: ${r.config.length} difference${r.config.length === 1 ? "" : "s"}</li>
</ul>
</header>
<section id="stacks"><h2>Layer stacks</h2>
<div class="stacks">
${stack("a", r.steps, first, stackHeight(r.a.size, r), o)}
${stack("b", r.steps, first, stackHeight(r.b.size, r), o)}
</div>
<p class="legend"><span><i class="bar shared"></i>shared</span><span><i class="bar divergent"></i>divergent</span><span><i class="bar only-a"></i>only in A</span><span><i class="bar only-b"></i>only in B</span><span>outlined: first divergent step</span></p>
</section>
<section id="steps"><h2>Steps, aligned by instruction</h2>
${stepsTable(r, first, o)}
</section>
<section id="files"><h2>File differences (${r.files.changes.length})</h2>
${searchableTable("file-table", "Filter files by path or change", "<tr><th>change</th><th>path</th><th>what</th><th>A</th><th>B</th><th>A step</th><th>B step</th></tr>", r.files.changes.map((c) => fileRow(c, r, o)))}
</section>
<section id="config"><h2>Config differences (${r.config.length})</h2>
<table id="config-table"><thead><tr><th>field</th><th>key</th><th>A</th><th>B</th></tr></thead><tbody>
${r.config.map((c) => `<tr><td>${esc(c.field)}</td><td class="mono">${esc(c.key ?? "")}</td><td class="mono">${esc(c.a ?? "—")}</td><td class="mono">${esc(c.b ?? "—")}</td></tr>`).join("\n")}
</tbody></table>
</section>`;
  return page(title, body);
}

function imageBox(side: "a" | "b", s: CompareReport["a"], o: PageOptions): string {
  return `<div class="image-${side}"><strong>${side.toUpperCase()}</strong>: <code>${esc(s.name ?? s.ref)}</code><br><span class="mono muted">${esc(s.id)}</span><br>${s.layers} layers, ${esc(o.humanSize(s.size))} <span class="muted">(${esc(s.transport)})</span></div>`;
}

function divergenceText(r: CompareReport): string {
  const d = r.firstDivergence;
  if (!d) return "No divergent step: the histories are the same";
  const step = (s?: StepRef) => (s ? `<code>${esc(s.createdBy)}</code>` : "—");
  const why = {
    "only-a": "a step only A has",
    "only-b": "a step only B has",
    instruction: "different instruction text",
    "build-args": `the same instruction with different build args${d.buildArgs?.length ? ` (${esc(d.buildArgs.join(", "))})` : ""}`,
    inputs: "the same instruction with different inputs",
  }[d.reason];
  const files = d.files?.length ? `: ${d.files.slice(0, 10).map((f) => `<code>${esc(f.path)}</code>`).join(", ")}${d.files.length > 10 ? ` and ${d.files.length - 10} more` : ""}` : "";
  const inputs = d.inputs?.length ? ` (build records: ${esc(d.inputs.slice(0, 10).join("; "))})` : "";
  return `First divergent step (#${d.row + 1}): A ${step(d.a)} vs B ${step(d.b)}: ${why}${files}${inputs}`;
}

/** Stacks are as tall as their images are large, relative to the larger one. */
const stackHeight = (size: number, r: CompareReport) => Math.max(60, Math.round((360 * size) / Math.max(1, r.a.size, r.b.size)));

function stack(side: "a" | "b", rows: CompareRow[], first: number | undefined, height: number, o: PageOptions): string {
  const segs = rows
    .map((row, i) => ({ row, i, s: row[side] }))
    .filter((x): x is { row: CompareRow; i: number; s: StepRef } => x.s !== undefined && x.s.layer !== undefined)
    .map(({ row, i, s }) => {
      const cls = `seg ${row.status}${i === first ? " first-divergent" : ""}`;
      return `<div class="${cls}" data-layer="${s.layer!.index}" data-bytes="${s.size}" style="flex-grow:${Math.max(s.size, 1)}" title="${esc(`${s.createdBy} (${o.humanSize(s.size)})`)}"></div>`;
    });
  return `<div><div class="stack" data-side="${side}" style="height:${height}px">${segs.join("")}</div><div class="stack-label">${side.toUpperCase()}</div></div>`;
}

function stepsTable(r: CompareReport, first: number | undefined, o: PageOptions): string {
  const max = Math.max(1, ...r.steps.flatMap((row) => [row.a?.size ?? 0, row.b?.size ?? 0]));
  const bar = (row: CompareRow, s?: StepRef) =>
    !s ? "" : s.layer === undefined ? `<span class="bar empty" title="metadata only"></span>` : `<span class="bar ${row.status}" style="width:${Math.max(1, Math.round((s.size / max) * 140))}px" data-bytes="${s.size}"></span>`;
  const rows = r.steps.map((row, i) => {
    const cls = `row-${row.status}${i === first ? " first-divergent" : ""}`;
    return `<tr class="${cls}" data-row="${i}"><td class="num">${i + 1}</td><td class="barcell">${bar(row, row.a)}</td><td class="instr">${esc(row.a?.createdBy ?? "")}</td><td class="num">${row.a ? esc(o.humanSize(row.a.size)) : ""}</td><td class="status status-${row.status}">${row.status}</td><td class="instr">${esc(row.b?.createdBy ?? "")}</td><td class="num">${row.b ? esc(o.humanSize(row.b.size)) : ""}</td><td class="barcell">${bar(row, row.b)}</td></tr>`;
  });
  return `<table id="steps-table"><thead><tr><th>#</th><th>A layer</th><th>A step</th><th>A size</th><th>status</th><th>B step</th><th>B size</th><th>B layer</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>`;
}

function fileRow(c: FileChange, r: CompareReport, o: PageOptions): string {
  const v = (x?: FileVersion) => (x ? `${x.type} ${x.mode} ${x.uid}:${x.gid} ${o.humanSize(x.size)}${x.link !== undefined ? ` → ${x.link}` : ""}` : "");
  const step = (side: "a" | "b", x?: FileVersion) => {
    if (!x) return "";
    const row = r.steps.find((s) => s[side]?.index === x.step)?.[side];
    return row ? `#${x.step + 1} ${row.createdBy}` : `#${x.step + 1}`;
  };
  return `<tr class="file-${c.change}" data-search="${esc(`${c.change} ${c.path} ${c.what.join(" ")}`)}"><td class="${c.change}">${c.change}</td><td class="path">${esc(c.path)}</td><td>${esc(c.what.join(", "))}</td><td class="mono">${esc(v(c.a))}</td><td class="mono">${esc(v(c.b))}</td><td class="instr">${esc(step("a", c.a))}</td><td class="instr">${esc(step("b", c.b))}</td></tr>`;
}
