import { LineFault } from "../errors.js";

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n,
  "\u03bcs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_DURATION = (1n << 63n) - 1n;
const COMPONENT = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;

/** Go's time.ParseDuration (`30s`, `1m30s`, `1.5h`, `500ms`, `0`), in nanoseconds. */
export function parseDuration(text: string): number {
  const bad = () => new LineFault(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw bad();
  let total = 0n;
  while (s !== "") {
    const m = COMPONENT.exec(s);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) throw bad();
    const unit = UNITS[m[3]!];
    if (unit === undefined) throw new LineFault(`time: unknown unit ${JSON.stringify(m[3])} in duration ${JSON.stringify(text)}`);
    const whole = BigInt(m[1] || "0") * unit;
    const fracDigits = m[2] ?? "";
    const frac = fracDigits === "" ? 0n : (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    total += whole + frac;
    if (total > MAX_DURATION) throw bad();
    s = s.slice(m[0].length);
  }
  return Number(negative ? -total : total);
}

const hasVariable = (s: string) => s.includes("$");

/** `user`, `user:group`, numeric ids; checked only when no variable is involved. */
export function validateChown(value: string): void {
  if (hasVariable(value)) return;
  if (!/^[^:\s]+(?::[^:\s]+)?$/.test(value)) throw new LineFault(`invalid --chown value ${JSON.stringify(value)}: expected USER[:GROUP]`);
}

const SYMBOLIC_MODE = /^[ugoa]*[-+=][rwxXst]*(?:[-+=][rwxXst]*)*(?:,[ugoa]*[-+=][rwxXst]*(?:[-+=][rwxXst]*)*)*$/;

/** Octal (`755`, `0644`) or symbolic (`u+x,go-w`) modes; checked only when no variable is involved. */
export function validateChmod(value: string): void {
  if (hasVariable(value)) return;
  if (/^[0-7]+$/.test(value) && parseInt(value, 8) <= 0o7777) return;
  if (SYMBOLIC_MODE.test(value)) return;
  throw new LineFault(`invalid --chmod value ${JSON.stringify(value)}: expected an octal mode such as 755`);
}

const PORT = /^([0-9]+)(?:-([0-9]+))?(?:\/([a-zA-Z]+))?$/;

/** `80`, `80/tcp`, `8000-8010/udp`; checked only when no variable is involved. */
export function validatePort(value: string): void {
  if (hasVariable(value)) return;
  const m = PORT.exec(value);
  const proto = m?.[3]?.toLowerCase();
  const inRange = (p: string | undefined) => p === undefined || Number(p) <= 65535;
  if (!m || !inRange(m[1]) || !inRange(m[2]) || (proto !== undefined && !["tcp", "udp", "sctp"].includes(proto))) {
    throw new LineFault(`invalid port ${JSON.stringify(value)}: expected PORT[-PORT][/tcp|udp|sctp]`);
  }
  if (m[2] !== undefined && Number(m[2]) < Number(m[1])) throw new LineFault(`invalid port range ${JSON.stringify(value)}: end before start`);
}
