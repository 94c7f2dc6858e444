import { describe, expect, it } from "vitest";
import type { Digest } from "@strata/core";
import { alignHistories, keywordOf, splitBuildArgs } from "../src/compare/align.js";
import type { ImageLayer } from "../src/source/image-source.js";
import type { Step } from "../src/source/steps.js";

/** An image from `[createdBy, diffID letter or "" for metadata-only]` pairs; chainIDs follow the letters so far. */
function image(entries: [string, string][]) {
  const steps: Step[] = [];
  const layers: ImageLayer[] = [];
  let chain = "";
  for (const [index, [createdBy, letter]] of entries.entries()) {
    const step: Step = { index, createdBy, comment: "", empty: letter === "" };
    if (letter) {
      chain += letter;
      step.layer = layers.length;
      const d = (s: string) => `sha256:${s.padEnd(64, "0")}` as Digest;
      layers.push({ digest: d(letter), size: 1, mediaType: "", diffId: d(letter), chainId: d(chain) });
    }
    steps.push(step);
  }
  return { steps, layers };
}

const rows = (r: ReturnType<typeof alignHistories>) => r.map((x) => [x.status, x.a?.createdBy ?? null, x.b?.createdBy ?? null]);

describe("alignHistories", () => {
  it("pairs steps by instruction around a RUN inserted in the middle", () => {
    const a = image([["FROM-ish base", "b"], ["COPY a /a", "c"], ["RUN make", "d"], ["RUN test", "e"], ["CMD [\"x\"]", ""]]);
    const b = image([["FROM-ish base", "b"], ["COPY a /a", "c"], ["RUN apt-get update", "f"], ["RUN make", "g"], ["RUN test", "h"], ["CMD [\"x\"]", ""]]);
    expect(rows(alignHistories(a, b))).toEqual([
      ["shared", "FROM-ish base", "FROM-ish base"],
      ["shared", "COPY a /a", "COPY a /a"],
      ["only-b", null, "RUN apt-get update"],
      ["divergent", "RUN make", "RUN make"],
      ["divergent", "RUN test", "RUN test"],
      ["divergent", "CMD [\"x\"]", "CMD [\"x\"]"],
    ]);
  });

  it("aligns when one side has extra metadata-only steps (different entry counts, same layers)", () => {
    const a = image([["base", "b"], ["ENV A=1", ""], ["RUN x", "c"]]);
    const b = image([["base", "b"], ["RUN x", "c"], ["LABEL l=1", ""], ["EXPOSE 80", ""]]);
    const r = alignHistories(a, b);
    expect(rows(r)).toEqual([
      ["shared", "base", "base"],
      ["only-a", "ENV A=1", null],
      ["divergent", "RUN x", "RUN x"],
      ["only-b", null, "LABEL l=1"],
      ["only-b", null, "EXPOSE 80"],
    ]);
    expect(r[2]).toMatchObject({ sameInstruction: true, sameLayer: true });
  });

  it("pairs a RUN whose build args changed, and a replaced step of another kind", () => {
    const a = image([["base", "b"], ["RUN |1 V=1 /bin/sh -c make # buildkit", "c"], ["COPY x /x", "d"]]);
    const b = image([["base", "b"], ["RUN |1 V=2 /bin/sh -c make # buildkit", "e"], ["ADD y /y", "f"]]);
    const r = alignHistories(a, b);
    expect(r.map((x) => x.status)).toEqual(["shared", "divergent", "divergent"]);
    expect(r[1]).toMatchObject({ sameInstruction: false, sameLayer: false });
  });

  it("ends the shared prefix at the first other layer stack even with the same text", () => {
    const a = image([["base", "b"], ["COPY . /app", "c"], ["RUN build", "d"]]);
    const b = image([["base", "b"], ["COPY . /app", "x"], ["RUN build", "d"]]);
    const r = alignHistories(a, b);
    expect(r.map((x) => x.status)).toEqual(["shared", "divergent", "divergent"]);
    // The same layer content after a divergence is still a divergent step (another stack below it).
    expect(r[2]).toMatchObject({ sameInstruction: true, sameLayer: true });
  });
});

describe("history text", () => {
  it("finds the keyword in BuildKit, legacy nop and legacy RUN entries", () => {
    expect(keywordOf("COPY . /app # buildkit")).toBe("COPY");
    expect(keywordOf('/bin/sh -c #(nop)  CMD ["sh"]')).toBe("CMD");
    expect(keywordOf("/bin/sh -c apt-get update")).toBe("RUN");
    expect(keywordOf("strata testkit: busybox")).toBe("");
  });

  it("splits BuildKit's build-arg prefix off a RUN", () => {
    expect(splitBuildArgs("RUN |2 A=1 B=x /bin/sh -c make # buildkit")).toEqual({ args: ["A=1", "B=x"], rest: "RUN /bin/sh -c make # buildkit" });
    expect(splitBuildArgs("RUN /bin/sh -c make")).toEqual({ args: [], rest: "RUN /bin/sh -c make" });
  });
});
