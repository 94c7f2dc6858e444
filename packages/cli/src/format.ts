/** Docker's human sizes: decimal units, 3 significant digits ("1.23MB", "512B"). */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : Number(v.toPrecision(3))}${units[i]}`;
}

/** "2 minutes ago", as Docker's `units.HumanDuration`. */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "N/A";
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  const ago = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  if (s < 1) return "Less than a second ago";
  if (s < 60) return ago(Math.floor(s), "second");
  if (s < 3600) return Math.floor(s / 60) === 1 ? "About a minute ago" : ago(Math.floor(s / 60), "minute");
  if (s < 86400) return Math.floor(s / 3600) === 1 ? "About an hour ago" : ago(Math.floor(s / 3600), "hour");
  if (s < 86400 * 14) return ago(Math.floor(s / 86400), "day");
  if (s < 86400 * 60) return ago(Math.floor(s / 86400 / 7), "week");
  if (s < 86400 * 365 * 2) return ago(Math.floor(s / 86400 / 30), "month");
  return ago(Math.floor(s / 86400 / 365), "year");
}

export const shortId = (digest: string): string => digest.replace(/^sha256:/, "").slice(0, 12);

/** Left-aligned columns separated by three spaces, like Docker's tabwriter output. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
