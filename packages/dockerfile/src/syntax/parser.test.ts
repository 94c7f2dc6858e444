import { describe, expect, it } from "vitest";
import { DockerfileError, dumpAst, parse } from "../index.js";

const dump = (src: string | Uint8Array) => dumpAst(parse(src).instructions);

function parseError(src: string): DockerfileError {
  try {
    parse(src, { file: "d/Dockerfile" });
  } catch (e) {
    if (e instanceof DockerfileError) return e;
    throw e;
  }
  throw new Error("expected a DockerfileError");
}

describe("parse: lines, continuations, directives", () => {
  it("handles CRLF, a BOM (string or bytes) and a final line without newline", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("FROM a\r\nRUN b \\\r\n  c")]);
    expect(dump(bytes)).toBe('(from "a")\n(run "b   c")\n');
    expect(dump("\ufeffFROM a\r\n")).toBe('(from "a")\n');
  });

  it("keeps an escaped escape at end of line, drops comments and blank lines inside continuations", () => {
    const ast = parse("FROM a\nRUN x \\\\\nRUN y \\\n# c\n\n   z\n");
    expect(ast.instructions.map((n) => [n.args[0], n.startLine, n.endLine])).toEqual([
      ["a", 1, 1],
      ["x \\\\", 2, 2],
      ["y    z", 3, 6],
    ]);
    expect(ast.warnings).toEqual(["Empty continuation line found in: RUN y    z"]);
  });

  it("reads directives only at the top, case-insensitively, and switches the escape character", () => {
    const ast = parse("# Escape = `\n# SYNTAX=x\n\n# escape=\\\nFROM a\nRUN b `\n c\\\n");
    expect(ast.escapeToken).toBe("`");
    expect(ast.directives).toEqual({ escape: "`", syntax: "x" });
    expect(ast.instructions[1]!.args).toEqual(["b  c\\"]);
  });

  it("ends the instruction at end of file during a continuation", () => {
    expect(dump("FROM a\nRUN b \\")).toBe('(from "a")\n(run "b")\n');
  });
});

describe("parse: errors carry file, lines and source", () => {
  it("unterminated heredoc spans the instruction and the consumed lines", () => {
    const err = parseError("FROM a\nRUN <<EOF\necho\n");
    expect(err.message).toBe("unterminated heredoc");
    expect(err.location).toMatchObject({ file: "d/Dockerfile", startLine: 2, endLine: 3, source: "RUN <<EOF\necho" });
  });

  it("directive errors point at the directive line", () => {
    expect(parseError("# escape=\\\n# escape=`\nFROM a\n").location).toMatchObject({ startLine: 2, source: "# escape=`" });
    expect(parseError("# escape=x\nFROM a\n").message).toBe("invalid escape token 'x' does not match ` or \\");
  });

  it("rejects ENV without value, non-string JSON, empty files and over-long lines", () => {
    expect(parseError("FROM a\nENV PATH\n").message).toBe("ENV must have two arguments");
    expect(parseError('FROM a\nCMD ["a", 1]\n').message).toMatch(/must be comprised of strings only/);
    expect(parseError("").message).toBe("file with no instructions");
    expect(parseError("# just a comment\n\n").message).toBe("file with no instructions");
    expect(parseError(`FROM a\nRUN ${"x".repeat(70000)}\n`).location.startLine).toBe(2);
  });
});

describe("parse: forms and heredocs", () => {
  it("falls back to shell form for invalid JSON and treats heredocs inside JSON as plain text", () => {
    const ast = parse('FROM a\nCMD [\'a\']\nRUN ["<<EOF"]\nCMD [1e999]\n');
    expect(ast.instructions.slice(1).map((n) => [n.json, n.args, n.heredocs.length])).toEqual([
      [false, ["['a']"], 0],
      [true, ["<<EOF"], 0],
      [false, ["[1e999]"], 0],
    ]);
  });

  it("reads several heredocs per line, fd prefixes and <<- terminators", () => {
    const ast = parse("FROM a\nRUN 3<<A cat - <<-'B'\n$x\nA\n\t\ty\n\tB\n");
    expect(ast.instructions[1]!.heredocs).toEqual([
      { name: "A", fd: 3, expand: true, chomp: false, content: "$x\n" },
      { name: "B", fd: 0, expand: false, chomp: true, content: "\t\ty\n" },
    ]);
    expect(ast.instructions[1]!.endLine).toBe(6);
  });
});
