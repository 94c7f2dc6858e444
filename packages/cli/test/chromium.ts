import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * The DOM of a local page after its scripts ran, as headless Chromium (Debian's `chromium`)
 * renders it: a fresh profile, no network services. `fragment` is appended to the URL ("#search=x").
 */
export async function renderedDom(file: string, fragment = ""): Promise<string> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "strata-chromium-"));
  try {
    const res = await execa(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=2000",
        "--dump-dom",
        `file://${path.resolve(file)}${fragment}`,
      ],
      { timeout: 60_000 },
    );
    return res.stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Elements (opening tags with their text up to the matching close of a simple element) whose tag carries `attr`. */
export function tagsWith(dom: string, tag: string, attr: RegExp): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}\\b[^>]*>`, "g");
  for (const m of dom.matchAll(re)) if (attr.test(m[0])) out.push(m[0]);
  return out;
}

/** Table rows (`<tr …>…</tr>`) of the table with this id. */
export function rowsOf(dom: string, tableId: string): string[] {
  const start = dom.indexOf(`<table id="${tableId}"`);
  if (start < 0) return [];
  const body = dom.slice(start, dom.indexOf("</table>", start));
  return [...body.matchAll(/<tr\b[^>]*>[\s\S]*?<\/tr>/g)].map((m) => m[0]).filter((r) => !r.includes("<th"));
}
