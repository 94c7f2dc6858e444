import { describe, expect, it } from "vitest";
import { formatBinding, parsePortSpec } from "./ports.js";

describe("-p specs, as Docker reads them", () => {
  it.each([
    ["80", { hostIp: "0.0.0.0", hostPort: 0, containerPort: 80 }],
    ["8080:80", { hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80 }],
    ["127.0.0.1:8080:80", { hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80 }],
    ["127.0.0.1::80/tcp", { hostIp: "127.0.0.1", hostPort: 0, containerPort: 80 }],
    ["[::1]:8080:80", { hostIp: "::1", hostPort: 8080, containerPort: 80 }],
  ])("%s", (spec, want) => {
    expect(parsePortSpec(spec)).toEqual({ ...want, protocol: "tcp" });
  });

  it.each(["", "abc", "1.2.3:80:80", "80-81:80", "8080:80/udp", "70000:80", "8080:0", "a:b:c:d", "[::1:80:80"])("refuses %j", (spec) => {
    expect(() => parsePortSpec(spec)).toThrow(/invalid publish spec/);
  });

  it("prints bindings as docker ps does", () => {
    expect(formatBinding({ hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" })).toBe("127.0.0.1:8080->80/tcp");
    expect(formatBinding({ hostIp: "::1", hostPort: 8080, containerPort: 80, protocol: "tcp" })).toBe("[::1]:8080->80/tcp");
  });
});
