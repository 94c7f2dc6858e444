import { describe, expect, it } from "vitest";
import { sha256 } from "@strata/core";
import { KEY_VERSION, keyOf, stepKey } from "./step-key.js";

const parent = sha256("parent");
const run = { kind: "RUN", definition: { text: "RUN make", env: { A: "1" }, user: "0", workdir: "/src" }, parent };

describe("stepKey", () => {
  it("is stable and independent of object key order", () => {
    const a = stepKey(run);
    const b = stepKey({ parent, definition: { workdir: "/src", user: "0", env: { A: "1" }, text: "RUN make" }, kind: "RUN" });
    expect(a.key).toBe(b.key);
    expect(a.preimage.v).toBe(KEY_VERSION);
    expect(keyOf(a.preimage)).toBe(a.key);
  });

  it("changes with every part: kind, definition, parent, inputs", () => {
    const base = stepKey(run).key;
    expect(stepKey({ ...run, kind: "COPY" }).key).not.toBe(base);
    expect(stepKey({ ...run, definition: { ...run.definition, env: { A: "2" } } }).key).not.toBe(base);
    expect(stepKey({ ...run, parent: sha256("other") }).key).not.toBe(base);
    expect(stepKey({ ...run, parent: undefined }).key).not.toBe(base);
    expect(stepKey({ ...run, inputs: { base: sha256("img") } }).key).not.toBe(base);
  });

  it("frames its parts, so moving text between fields changes the key (kaniko's collisions)", () => {
    const a = stepKey({ kind: "RUN", definition: { text: "a b", user: "" } }).key;
    const b = stepKey({ kind: "RUN", definition: { text: "a", user: " b" } }).key;
    expect(a).not.toBe(b);
  });

  it("takes a context checksum's digest into the key and its entries into the pre-image only", () => {
    const sum = { digest: sha256("ctx"), owner: { uid: 0, gid: 0 }, entries: [{ path: "a", kind: "file" as const, mode: 0o644, size: 1, digest: sha256("a") }] };
    const withSum = stepKey({ kind: "COPY", definition: { text: "COPY a /" }, inputs: { context: sum } });
    const withDigest = stepKey({ kind: "COPY", definition: { text: "COPY a /" }, inputs: { context: sum.digest } });
    expect(withSum.key).toBe(withDigest.key);
    expect(withSum.preimage.files?.context?.entries).toEqual([["a", "f0644", sha256("a").slice(7, 27)]]);
  });

  it("rejects what canonical JSON cannot represent", () => {
    expect(() => stepKey({ kind: "RUN", definition: { n: Number.NaN } })).toThrow(/finite/);
    expect(() => stepKey({ kind: "RUN", definition: { d: new Date() } })).toThrow(/plain JSON/);
    expect(() => stepKey({ kind: "", definition: {} })).toThrow(/kind/);
  });
});
