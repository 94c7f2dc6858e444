import { StrataError } from "@strata/core";

/** `EXPOSE 80 53/udp 8000-8002` → ["80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp"]. */
export function parseExposedPorts(specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const [range = "", proto = "tcp"] = spec.split("/");
    const portPart = range.includes(":") ? range.slice(range.lastIndexOf(":") + 1) : range;
    if (!/^(tcp|udp|sctp)$/i.test(proto)) throw new StrataError("INVALID_ARGUMENT", `invalid proto: ${proto}`);
    const m = /^(\d+)(?:-(\d+))?$/.exec(portPart);
    if (!m) throw new StrataError("INVALID_ARGUMENT", `invalid containerPort: ${portPart}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > 65535 || hi > 65535 || hi < lo) throw new StrataError("INVALID_ARGUMENT", `invalid port range: ${portPart}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${proto.toLowerCase()}`);
  }
  return out;
}
