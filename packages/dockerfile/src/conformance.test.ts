// Runs the shared BuildKit conformance corpus (../shared/conformance beside the repository).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { dumpAst, dumpInstruction, expandWord, expandWords, parse, type Node } from "./index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const corpus = path.resolve(repoRoot, "../shared/conformance");
const parserDir = path.join(corpus, "buildkit/frontend/dockerfile/parser");
const shellDir = path.join(corpus, "buildkit/frontend/dockerfile/shell");

const counts: Record<string, number> = {};
const count = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);
const subdirs = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

afterAll(() => {
  console.log("conformance cases run:", JSON.stringify(counts));
});

describe.runIf(existsSync(corpus))("BuildKit conformance corpus", () => {
  describe("testfiles: byte-identical dumps", () => {
    for (const name of subdirs(path.join(parserDir, "testfiles"))) {
      it(name, () => {
        const dir = path.join(parserDir, "testfiles", name);
        const ast = parse(readFileSync(path.join(dir, "Dockerfile")));
        const expected = readFileSync(path.join(dir, "result"), "utf8").replace(/\r\n/g, "\n");
        expect(dumpAst(ast.instructions)).toBe(expected);
        count("testfiles");
      });
    }
  });

  describe("must-fail inputs", () => {
    const negatives = [
      ...subdirs(path.join(parserDir, "testfiles-negative")).map((n) => path.join(parserDir, "testfiles-negative", n)),
      ...subdirs(path.join(corpus, "derived/probes-negative")).map((n) => path.join(corpus, "derived/probes-negative", n)),
    ];
    for (const dir of negatives) {
      it(path.relative(corpus, dir), () => {
        expect(() => parse(readFileSync(path.join(dir, "Dockerfile")))).toThrowError(expect.objectContaining({ code: "SYNTAX" }));
        count(dir.includes("derived") ? "probes-negative" : "testfiles-negative");
      });
    }
  });

  it("testfile-line: line ranges", () => {
    const ast = parse(readFileSync(path.join(parserDir, "testfile-line/Dockerfile")));
    expect([ast.startLine, ast.endLine]).toEqual([5, 31]);
    expect(ast.instructions.map((i) => [i.startLine, i.endLine])).toEqual([
      [5, 5],
      [11, 12],
      [17, 31],
    ]);
    count("testfile-line");
  });

  it("envVarTest: single-word expansion (Linux lines)", () => {
    const env: Record<string, string> = { PWD: "/home", SHELL: "bash", KOREAN: "한국어", NULL: "" };
    const lookup = (n: string) => (Object.hasOwn(env, n) ? env[n] : undefined);
    const lines = readFileSync(path.join(shellDir, "envVarTest"), "utf8").split("\n");
    let run = 0;
    for (const rawLine of lines) {
      const line = rawLine.replace(/\r$/, "");
      if (line.startsWith("#") || line.trim() === "") continue;
      const fields = line.trim().split("|");
      expect(fields).toHaveLength(3);
      const [platform, input, expected] = fields.map((f) => f.trim()) as [string, string, string];
      if (platform === "W") continue;
      if (expected === "error") expect(() => expandWord(input, lookup), input).toThrowError(expect.objectContaining({ code: "SYNTAX" }));
      else expect(expandWord(input, lookup), input).toBe(expected);
      run++;
      count("envVarTest");
    }
    expect(run).toBe(228);
  });

  it("wordsTest: expansion with word splitting", () => {
    const env: Record<string, string> = {};
    const lookup = (n: string) => (Object.hasOwn(env, n) ? env[n] : undefined);
    const lines = readFileSync(path.join(shellDir, "wordsTest"), "utf8").split("\n");
    if (lines.at(-1) === "") lines.pop();
    let run = 0;
    for (const rawLine of lines) {
      const line = rawLine.replace(/\r$/, "");
      if (line.startsWith("#")) continue;
      if (line.startsWith("ENV ")) {
        const def = line.slice(3).replace(/^ +/, "");
        const eq = def.indexOf("=");
        env[def.slice(0, eq)] = def.slice(eq + 1);
        continue;
      }
      const parts = line.split("|");
      expect(parts).toHaveLength(2);
      const input = parts[0]!.trim();
      const expected = parts[1]!.replace(/^ +/, "").split(",");
      if (expected.length === 1 && expected[0] === "error") expect(() => expandWords(input, lookup), input).toThrow();
      else expect(expandWords(input, lookup), input).toEqual(expected);
      run++;
      count("wordsTest");
    }
    expect(run).toBe(24);
  });

  describe("derived/reference.json", () => {
    const reference = JSON.parse(readFileSync(path.join(corpus, "derived/reference.json"), "utf8")) as Record<string, ReferenceEntry>;
    it("has 56 entries", () => expect(Object.keys(reference)).toHaveLength(56));
    for (const [key, entry] of Object.entries(reference)) {
      it(key, () => {
        const src = readFileSync(path.join(corpus, key, "Dockerfile"));
        if (!entry.ok) {
          expect(() => parse(src)).toThrowError(expect.objectContaining({ code: "SYNTAX" }));
        } else {
          const ast = parse(src);
          expect(dumpAst(ast.instructions)).toBe(entry.dump);
          expect(ast.escapeToken).toBe(entry.escapeToken);
          expect([ast.startLine, ast.endLine]).toEqual([entry.startLine, entry.endLine]);
          expect(ast.warnings).toEqual(entry.warnings);
          expect(ast.instructions.map((n) => shape(n, true))).toEqual(entry.instructions.map((i) => expectedShape(i, true)));
        }
        count("reference.json");
      });
    }
  });
});

interface ReferenceInstruction {
  keyword: string;
  flags: string[];
  args: string[];
  json: boolean;
  sub: ReferenceInstruction | null;
  heredocs: { name: string; fd: number; expand: boolean; chomp: boolean; content: string }[];
  startLine: number;
  endLine: number;
  original: string;
  prevComment: string[];
  dump: string;
}
interface ReferenceEntry {
  ok: boolean;
  dump: string;
  escapeToken: string;
  startLine: number;
  endLine: number;
  warnings: string[];
  instructions: ReferenceInstruction[];
}

function shape(n: Node, top: boolean): unknown {
  return {
    keyword: n.keyword,
    flags: n.flags,
    args: n.args,
    json: n.json,
    sub: n.sub ? shape(n.sub, false) : null,
    heredocs: n.heredocs.map((h) => ({ name: h.name, fd: h.fd, expand: h.expand, chomp: h.chomp, content: h.content })),
    lines: top ? [n.startLine, n.endLine] : null,
    original: n.original,
    prevComment: n.prevComment,
    dump: dumpInstruction(n).slice(1, -1),
  };
}

function expectedShape(i: ReferenceInstruction, top: boolean): unknown {
  return {
    keyword: i.keyword,
    flags: i.flags,
    args: i.args,
    json: i.json,
    sub: i.sub ? expectedShape(i.sub, false) : null,
    heredocs: i.heredocs,
    lines: top ? [i.startLine, i.endLine] : null,
    original: i.original,
    prevComment: i.prevComment,
    dump: i.dump,
  };
}
