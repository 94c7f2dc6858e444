import type { AnalyzeReport } from "../analyze/analyze.js";
import type { CiResult } from "../analyze/ci-rules.js";
import { esc, page, searchableTable, type PageOptions } from "./page.js";

/** `analyze --html`: the layer stack sized by bytes with each layer's wasted part hatched, the layers, and a searchable table of wasted copies. */
export function renderAnalyzePage(r: AnalyzeReport, o: PageOptions, ci?: CiResult): string {
  const name = r.image.name ?? r.image.ref;
  const title = `strata analyze ${name}`;
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  const segs = r.layers.map((l) => {
    const waste = l.size > 0 ? Math.round((l.wasted / l.size) * 100) : 0;
    return `<div class="seg shared" data-layer="${l.layer}" data-bytes="${l.size}" data-wasted="${l.wasted}" style="flex-grow:${Math.max(l.size, 1)}" title="${esc(`${l.createdBy}: ${o.humanSize(l.size)}, ${o.humanSize(l.wasted)} wasted`)}">${waste > 0 ? `<div class="waste" style="height:${waste}%"></div>` : ""}</div>`;
  });
  const step = (i: number) => `#${i + 1} ${r.layers.find((l) => l.step === i)?.createdBy ?? ""}`;
  const body = `
<header>
<h1>${esc(title)}</h1>
<p class="mono muted">${esc(r.image.id)}</p>
<ul class="facts">
<li id="efficiency">Efficiency: ${esc(pct(r.efficiency))} (final filesystem ${esc(o.humanSize(r.finalBytes))} of ${esc(o.humanSize(r.totalBytes))} in ${r.image.layers} layers)</li>
<li id="wasted">Wasted: ${esc(o.humanSize(r.wastedBytes))} in ${r.wasted.length} superseded cop${r.wasted.length === 1 ? "y" : "ies"}; user wasted ${esc(pct(r.userWastedPercent))}</li>
${ci ? `<li id="ci" data-pass="${ci.pass}">CI: ${ci.pass ? "PASS" : "FAIL"} (${ci.rules.map((x) => `${esc(x.name)} ${x.status.toUpperCase()}`).join(", ")})</li>` : ""}
</ul>
</header>
<section id="stacks"><h2>Layer stack</h2>
<div class="stacks"><div><div class="stack" data-side="image" style="height:360px">${segs.join("")}</div><div class="stack-label">${esc(name)}</div></div></div>
<p class="legend"><span><i class="bar shared"></i>layer</span><span><i class="bar only-a"></i>hatched: bytes a later layer overwrote or deleted</span></p>
</section>
<section id="layers"><h2>Layers</h2>
<table id="layer-table"><thead><tr><th>layer</th><th>step</th><th>size</th><th>wasted</th><th>supersedes</th></tr></thead><tbody>
${r.layers.map((l) => `<tr data-layer="${l.layer}"><td class="num">${l.layer + 1}</td><td class="instr">${esc(`#${l.step + 1} ${l.createdBy}`)}</td><td class="num">${esc(o.humanSize(l.size))}</td><td class="num">${esc(o.humanSize(l.wasted))}</td><td class="num">${esc(o.humanSize(l.superseded))}</td></tr>`).join("\n")}
</tbody></table>
</section>
<section id="files"><h2>Wasted copies (${r.wasted.length})</h2>
${searchableTable("file-table", "Filter by path", "<tr><th>path</th><th>bytes</th><th>how</th><th>written by</th><th>superseded by</th></tr>", r.wasted.map((w) => `<tr data-search="${esc(w.path)}"><td class="path">${esc(w.path)}</td><td class="num">${esc(o.humanSize(w.bytes))}</td><td>${w.how}</td><td class="instr">${esc(step(w.wroteStep))}</td><td class="instr">${esc(step(w.byStep))}</td></tr>`))}
</section>`;
  return page(title, body);
}
