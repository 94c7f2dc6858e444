/** Text for HTML: `&`, `<`, `>`, quotes escaped. */
export const esc = (s: string | number): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export interface PageOptions {
  /** Sizes as the CLI shows them ("1.98MB"). */
  humanSize: (bytes: number) => string;
}

const STYLE = `
:root { --shared: #7a8ca0; --div: #d9822b; --only-a: #c23030; --only-b: #0f9960; --waste: #c23030; --bg: #fff; --fg: #182026; --muted: #5c7080; --line: #e1e8ed; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 16px 24px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
code, .mono, td.path, td.instr { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.verdict { font-weight: 600; } .verdict[data-identical="true"] { color: var(--only-b); } .verdict[data-identical="false"] { color: var(--div); }
.images { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin: 8px 0; } .images > div { border: 1px solid var(--line); padding: 8px; border-radius: 4px; }
.facts { margin: 4px 0; padding-left: 18px; }
.stacks { display: flex; gap: 48px; align-items: flex-end; }
.stack { display: flex; flex-direction: column-reverse; width: 160px; border: 1px solid var(--line); }
.stack .seg { min-height: 6px; border-top: 1px solid #fff; position: relative; }
.stack-label { text-align: center; font-weight: 600; margin-top: 4px; }
.seg.shared, .bar.shared { background: var(--shared); } .seg.divergent, .bar.divergent { background: var(--div); }
.seg.only-a, .bar.only-a { background: var(--only-a); } .seg.only-b, .bar.only-b { background: var(--only-b); }
.seg.first-divergent { outline: 3px solid #000; z-index: 1; }
.seg .waste { position: absolute; left: 0; right: 0; bottom: 0; background: repeating-linear-gradient(45deg, var(--waste), var(--waste) 4px, #f5b5b5 4px, #f5b5b5 8px); }
.legend span { display: inline-block; margin-right: 16px; } .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f5f8fa; position: sticky; top: 0; } td.num { text-align: right; white-space: nowrap; }
td.barcell { width: 140px; } .bar { height: 10px; min-width: 1px; display: inline-block; } .bar.empty { background: none; border-left: 1px dashed var(--muted); }
tr.first-divergent td { background: #fff3e0; font-weight: 600; } tr.first-divergent td.status::after { content: " ◀ first divergent step"; color: var(--div); }
td.status { white-space: nowrap; } .status-shared { color: var(--shared); } .status-divergent { color: var(--div); } .status-only-a { color: var(--only-a); } .status-only-b { color: var(--only-b); }
td.added, span.added { color: var(--only-b); } td.removed, span.removed { color: var(--only-a); } td.changed, span.changed { color: var(--div); }
.search { margin: 4px 0 8px; } .search input { width: 360px; padding: 4px 6px; } .muted { color: var(--muted); }
`;

/** Filters each searchable table by the box above it; `#search=TEXT` in the URL fills the box (for links and tests). */
const SCRIPT = `
(function () {
  function apply(input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    var q = input.value.trim().toLowerCase(); var shown = 0, total = 0;
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      total++; var hit = q === "" || (tr.getAttribute("data-search") || tr.textContent).toLowerCase().indexOf(q) >= 0;
      tr.hidden = !hit; if (hit) shown++;
    });
    var count = document.getElementById(input.getAttribute("data-count"));
    if (count) count.textContent = shown + " of " + total + " shown";
  }
  var inputs = document.querySelectorAll("input[data-table]");
  var m = /[#&]search=([^&]*)/.exec(location.hash);
  inputs.forEach(function (input) {
    if (m) input.value = decodeURIComponent(m[1].replace(/\\+/g, " "));
    input.addEventListener("input", function () { apply(input); });
    apply(input);
  });
})();
`;

/** One self-contained page: inline style and script, no external asset, nothing fetched. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** A filter box and its table (rows carry `data-search`). */
export function searchableTable(id: string, placeholder: string, head: string, rows: string[]): string {
  return `<div class="search"><input type="search" id="${id}-search" data-table="${id}" data-count="${id}-count" placeholder="${esc(placeholder)}" aria-label="${esc(placeholder)}"> <span id="${id}-count" class="muted">${rows.length} of ${rows.length} shown</span></div>
<table id="${id}"><thead>${head}</thead><tbody>
${rows.join("\n")}
</tbody></table>`;
}
