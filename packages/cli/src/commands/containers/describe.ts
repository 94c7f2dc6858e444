import type { ContainerRecord } from "@strata/runner";
import { humanSize } from "../../format.js";

/** go-units' HumanDuration, which Docker uses for "Up …" and "… ago". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

const since = (iso: string, now: number) => Math.max(0, now - Date.parse(iso));

/** `docker ps` STATUS: "Up 2 seconds", "Up 5 minutes (Paused)", "Exited (0) 3 seconds ago", "Created". */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.state;
  switch (s.status) {
    case "running":
      return `Up ${humanDuration(since(s.startedAt, now))}`;
    case "paused":
      return `Up ${humanDuration(since(s.startedAt, now))} (Paused)`;
    case "exited":
      return `Exited (${s.exitCode}) ${humanDuration(since(s.finishedAt, now))} ago`;
    case "created":
      return "Created";
    case "dead":
      return "Dead";
    default:
      return s.status.charAt(0).toUpperCase() + s.status.slice(1);
  }
}

/** The command as `docker ps` shows it: path and args, truncated to 20 characters, quoted like Go's %q. */
export function commandText(rec: ContainerRecord, trunc: boolean): string {
  let command = [rec.path, ...rec.args].join(" ");
  const chars = [...command];
  if (trunc && chars.length > 20) command = `${chars.slice(0, 19).join("")}…`;
  return goQuote(command);
}

/** Go's strconv.Quote for the characters a command line holds. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `docker ps -s` SIZE: the writable layer, then the image and the layer together. */
export function sizeText(rw: number, imageBytes: number): string {
  const rootfs = rw + imageBytes;
  return rootfs > 0 ? `${humanSize(rw)} (virtual ${humanSize(rootfs)})` : humanSize(rw);
}
