import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { bar, transferRenderer } from "./transfer-progress.js";

function sink(tty: boolean) {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean };
  out.isTTY = tty;
  let text = "";
  out.on("data", (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

describe("push/pull progress as Docker prints it", () => {
  it("without a terminal: one line per status, byte counts left out", () => {
    const s = sink(false);
    const p = transferRenderer(s.out);
    p({ type: "message", text: "The push refers to repository [127.0.0.1:5000/app]" });
    p({ type: "blob", id: "aaaaaaaaaaaa", status: "Preparing" });
    p({ type: "blob", id: "aaaaaaaaaaaa", status: "Pushing", current: 10, total: 100 });
    p({ type: "blob", id: "aaaaaaaaaaaa", status: "Pushed" });
    expect(s.text()).toBe("The push refers to repository [127.0.0.1:5000/app]\naaaaaaaaaaaa: Preparing\naaaaaaaaaaaa: Pushed\n");
  });

  it("on a terminal: each layer keeps its line, rewritten in place with a bar", () => {
    const s = sink(true);
    const p = transferRenderer(s.out);
    p({ type: "blob", id: "a", status: "Preparing" });
    p({ type: "blob", id: "b", status: "Preparing" });
    p({ type: "blob", id: "a", status: "Pushing", current: 500_000, total: 1_000_000 });
    expect(s.text()).toBe(`a: Preparing\nb: Preparing\n\x1b[2A\x1b[2K\ra: Pushing ${bar(500_000, 1_000_000)}\x1b[2B\r`);
    expect(bar(500_000, 1_000_000)).toBe(`[${"=".repeat(25)}>${" ".repeat(24)}]  500kB/1MB`);
    expect(bar(1_000_000, 1_000_000)).toBe(`[${"=".repeat(50)}]  1MB/1MB`);
  });

  it("--quiet prints nothing", () => {
    const s = sink(false);
    transferRenderer(s.out, true)({ type: "message", text: "x" });
    expect(s.text()).toBe("");
  });
});
