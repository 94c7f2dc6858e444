import { describe, expect, it } from "vitest";
import { JSON_AST_VERSION, parse, toJsonAst } from "./index.js";

describe("toJsonAst (strata parse --format json)", () => {
  it("describes instructions, forms, heredocs, ONBUILD, stages and global ARGs", () => {
    const src = "# syntax=docker/dockerfile:1\nARG V=1\n# the builder\nFROM golang AS Build\nRUN <<-EOF\n\techo $V\n\tEOF\nCMD [\"a\"]\nFROM scratch\nonbuild COPY --from=build /a /b\n";
    const json = toJsonAst(parse(src, { file: "x/Dockerfile" }));
    expect(json).toMatchObject({
      version: JSON_AST_VERSION,
      file: "x/Dockerfile",
      escapeToken: "\\",
      directives: { syntax: "docker/dockerfile:1" },
      startLine: 2,
      endLine: 10,
      globalArgs: [0],
      stages: [
        { index: 0, name: "build", image: "golang", startLine: 4, endLine: 8, instructions: [1, 2, 3] },
        { index: 1, image: "scratch", startLine: 9, endLine: 10, instructions: [4, 5] },
      ],
    });
    expect(json.instructions[1]).toMatchObject({ keyword: "FROM", comments: ["the builder"], args: ["golang", "AS", "Build"] });
    expect(json.instructions[2]).toEqual({
      keyword: "RUN",
      keywordAsWritten: "RUN",
      flags: [],
      args: ["<<-EOF"],
      form: "shell",
      heredocs: [{ name: "EOF", fd: 0, expand: true, chomp: true, content: "\techo $V\n" }],
      startLine: 5,
      endLine: 7,
      original: "RUN <<-EOF",
      comments: [],
    });
    expect(json.instructions[3]).toMatchObject({ form: "exec", args: ["a"] });
    expect(json.instructions[5]).toMatchObject({
      keyword: "ONBUILD",
      keywordAsWritten: "onbuild",
      args: [],
      sub: { keyword: "COPY", flags: ["--from=build"], args: ["/a", "/b"], startLine: 10, endLine: 10 },
    });
  });
});
