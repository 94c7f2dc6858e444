import { tabwrite } from "./list-format.js";

/** Docker's human sizes: decimal units, 3 significant digits by default ("1.23MB", "512B"). */
export function humanSize(bytes: number, precision = 3): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : Number(v.toPrecision(precision))}${units[i]}`;
}

/** Go's time.Time.String() in UTC, as Docker prints CreatedAt: "2023-11-14 22:13:20 +0000 UTC". */
export function goTime(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;
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

/** Docker's table layout (Go's tabwriter: minwidth 10, padding 3): a header row, then the rows. */
export function table(header: string[], rows: string[][]): string {
  return tabwrite([header, ...rows].map((cells) => cells.join("\t")));
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Go's time.RFC3339 in the local zone, as Docker's CLI prints CreatedAt in `history`: "2023-11-14T22:13:20Z". */
export function rfc3339(iso: string | undefined): string {
  const d = new Date(iso ? Date.parse(iso) : 0);
  if (Number.isNaN(d.getTime())) return iso ?? "";
  const offset = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
