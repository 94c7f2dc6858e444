import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LogParser, readLog, type LogLine } from "./logs.js";

describe("conmon's k8s-file log", () => {
  it("joins partial chunks, keeps streams apart, prints UTC with nanoseconds", () => {
    const p = new LogParser();
    const lines = p.push(
      [
        "2026-12-02T09:53:15.688373066+00:00 stdout P par",
        "2026-12-02T09:53:15.7+01:00 stdout F tial",
        "2026-12-02T09:53:16.000000001+00:00 stderr F an error with  two spaces",
        "2026-12-02T09:53:17.5+00:00 stdout F ",
        "2026-12-02T09:53:18.5+00:00 stdout P no newline at the end",
        "",
      ].join("\n"),
    );
    expect(lines).toEqual<LogLine[]>([
      { time: "2026-12-02T09:53:15.688373066Z", stream: "stdout", text: "partial\n" },
      { time: "2026-12-02T09:53:16.000000001Z", stream: "stderr", text: "an error with  two spaces\n" },
      { time: "2026-12-02T09:53:17.500000000Z", stream: "stdout", text: "\n" },
    ]);
    expect(p.flush()).toEqual([{ time: "2026-12-02T09:53:18.500000000Z", stream: "stdout", text: "no newline at the end" }]);
  });

  it("reads the last N lines, and lines split across reads", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "strata-log-"));
    try {
      const file = path.join(dir, "ctr.log");
      await writeFile(file, Array.from({ length: 5 }, (_, i) => `2026-01-01T00:00:0${i}.0+00:00 stdout F line ${i}\n`).join(""));
      const got: string[] = [];
      await readLog(file, (l) => got.push(l.text), { tail: 2 });
      expect(got).toEqual(["line 3\n", "line 4\n"]);
      const none: string[] = [];
      await readLog(path.join(dir, "absent"), (l) => none.push(l.text));
      expect(none).toEqual([]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
