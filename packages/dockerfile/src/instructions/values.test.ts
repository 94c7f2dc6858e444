import { describe, expect, it } from "vitest";
import { DockerfileError, parseDuration, validateChmod, validateChown, validatePort } from "../index.js";

describe("parseDuration (Go syntax)", () => {
  it.each([
    ["0", 0],
    ["30s", 30e9],
    ["1m30s", 90e9],
    ["500ms", 500e6],
    ["1.5h", 5400e9],
    ["1h2m3s4ms5us6ns", 3723004005006],
    ["2µs", 2000],
    [".5s", 5e8],
    ["-1s", -1e9],
  ])("%s", (text, ns) => expect(parseDuration(text)).toBe(ns));

  it.each(["", "10", "1x", "s", ".s", "1..2s", "9999999999h"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow(DockerfileError);
  });
});

describe("value validators", () => {
  it("chown", () => {
    for (const ok of ["1000", "app", "app:app", "1:2", "$U:$G"]) expect(() => validateChown(ok)).not.toThrow();
    for (const bad of ["", ":x", "a:", "a:b:c", "a b"]) expect(() => validateChown(bad)).toThrow(DockerfileError);
  });
  it("chmod", () => {
    for (const ok of ["755", "0644", "7777", "u+x", "a=rwx,o-w", "$M"]) expect(() => validateChmod(ok)).not.toThrow();
    for (const bad of ["", "8", "17777", "rwx", "u+q"]) expect(() => validateChmod(bad)).toThrow(DockerfileError);
  });
  it("ports", () => {
    for (const ok of ["80", "80/tcp", "53/UDP", "8000-8010", "1-2/sctp", "${P}"]) expect(() => validatePort(ok)).not.toThrow();
    for (const bad of ["", "http", "80/xyz", "65536", "10-5", "1.2.3.4:80:80"]) expect(() => validatePort(bad)).toThrow(DockerfileError);
  });
});
