import { compileTemplate, goJson, HTML_ESCAPED_JSON } from "./go-template/index.js";

/**
 * Docker's `--format` for commands that list things (images, ps, history, volume ls):
 * "" or "table" → the command's default table; "table TEMPLATE" → a header row and one row per
 * item, aligned by Go's tabwriter as Docker sets it up; "json" → one JSON object per line;
 * anything else → the Go template, once per item. `\t` and `\n` in the format are tab and
 * newline, as Docker's CLI reads them.
 */
export interface ListFormatSpec {
  /** The default, e.g. "table {{.Repository}}\t{{.Tag}}\t{{.ID}}". */
  table: string;
  /** Column titles by field name, e.g. { ID: "IMAGE ID" }. */
  headers: Record<string, string>;
}

export type Row = Record<string, unknown>;

export function formatList(format: string | undefined, rows: Row[], spec: ListFormatSpec): string {
  const f = !format || format === "table" ? spec.table : format;
  // Docker's formatter contexts marshal as maps, so `{{json .}}` lists the fields sorted.
  rows = rows.map(sortedFields);
  if (f === "json") return rows.map((r) => `${goJson(r)}\n`).join("");
  const isTable = f.startsWith("table");
  const template = unescape(isTable ? f.slice("table".length) : f).trim();
  const render = compileTemplate(template);
  const lines = rows.map((r) => render(r));
  if (!isTable) return lines.map((l) => `${l}\n`).join("");
  return tabwrite([render(headerContext(spec.headers)), ...lines]);
}

/** Docker's `inspect -f`: the template once per item; without a format, an indented JSON array. */
export function formatEach(format: string | undefined, items: unknown[]): string {
  if (!format || format === "json") return `${JSON.stringify(items, null, 4)}\n`;
  const render = compileTemplate(unescape(format));
  return items.map((i) => `${render(i)}\n`).join("");
}

const unescape = (format: string) => format.replace(/\\t/g, "\t").replace(/\\n/g, "\n");

/** A row as Docker's formatter context: fields sorted, marshalled by Go's json.Marshal. */
function sortedFields(row: Row): Row {
  const out: Row = {};
  for (const key of Object.keys(row).sort()) out[key] = row[key];
  return Object.defineProperty(out, HTML_ESCAPED_JSON, { value: true, enumerable: false });
}

/** What the header row's template sees: every field is its column title. */
function headerContext(headers: Record<string, string>): Row {
  return new Proxy(
    {},
    {
      get: (_t, key) => {
        if (typeof key !== "string") return undefined;
        const title = headers[key] ?? key.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
        return () => title;
      },
    },
  );
}

/**
 * Go's text/tabwriter as Docker's CLI configures it (minwidth 10, padding 3, spaces): each
 * tab-terminated cell is padded to its column's width; the last cell of a line is not.
 */
export function tabwrite(lines: string[]): string {
  const rows = lines.join("\n").split("\n").map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const cells of rows) {
    cells.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(runeLength(c) + 3, 10));
    });
  }
  return rows.map((cells) => cells.map((c, i) => (i < cells.length - 1 ? c + " ".repeat(widths[i]! - runeLength(c)) : c)).join("") + "\n").join("");
}

const runeLength = (s: string) => [...s].length;
