import { describe, expect, it } from "vitest";
import { familiarName, normalizeReference, parseReference } from "./reference.js";

const D = "sha256:" + "a".repeat(64);

describe("image references, as Docker parses them", () => {
  it.each([
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["acme/app", "docker.io/acme/app:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest"],
    ["index.docker.io/library/busybox:1", "docker.io/library/busybox:1"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/team/app:v2", "localhost:5000/team/app:v2"],
    ["127.0.0.1:5000/app", "127.0.0.1:5000/app:latest"],
    ["registry.example.com/a/b/c:t", "registry.example.com/a/b/c:t"],
    ["Registry.Example/app", "Registry.Example/app:latest"],
    [`127.0.0.1:5000/app:1@${D}`, `127.0.0.1:5000/app:1@${D}`],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
  ])("%s → %s", (input, full) => {
    expect(normalizeReference(input)).toBe(full);
  });

  it("splits tag and digest, and shows the short name", () => {
    expect(parseReference(`127.0.0.1:5000/app:1@${D}`)).toEqual({ repository: "127.0.0.1:5000/app", tag: "1", digest: D });
    expect(familiarName("docker.io/library/busybox:latest")).toBe("busybox:latest");
    expect(familiarName(`127.0.0.1:5000/app@${D}`)).toBe(`127.0.0.1:5000/app@${D}`);
  });

  it.each(["UPPER", "app:bad tag", "app@sha256:short", "", "a//b", "app:"])("rejects %j", (input) => {
    expect(() => parseReference(input)).toThrow(/invalid reference format/);
  });
});
