import { describe, expect, it } from "vitest";
import { formatEach, formatList, tabwrite } from "../list-format.js";
import { renderTemplate } from "./index.js";

const image = {
  Id: "sha256:abc",
  RepoTags: ["app:1", "app:latest"],
  Config: { Env: ["PATH=/bin", "A=b"], Labels: { z: "1", a: "2" }, Cmd: null, WorkingDir: "" },
  Size: 1234,
};

describe("Go text/template (Docker's --format)", () => {
  it.each([
    ["{{.Id}}", "sha256:abc"],
    ["{{.Config.Env}}", "[PATH=/bin A=b]"],
    ["{{.Config.Labels}}", "map[a:2 z:1]"],
    ["{{.Config.Cmd}}", "<nil>"],
    ["{{.Nope}}", "<no value>"],
    ["{{.Size}}", "1234"],
    ["{{json .Config.Env}}", '["PATH=/bin","A=b"]'],
    ["{{.Config.Env | json}}", '["PATH=/bin","A=b"]'],
    ["{{index .Config.Labels \"z\"}}", "1"],
    ["{{index .RepoTags 1}}", "app:latest"],
    ["{{join .RepoTags \",\"}}", "app:1,app:latest"],
    ["{{range .RepoTags}}[{{.}}]{{end}}", "[app:1][app:latest]"],
    ["{{range $i, $t := .RepoTags}}{{$i}}={{$t}} {{end}}", "0=app:1 1=app:latest "],
    ["{{range $k, $v := .Config.Labels}}{{$k}}{{$v}}{{end}}", "a2z1"],
    ["{{if .Config.Cmd}}cmd{{else}}none{{end}}", "none"],
    ["{{if .Config.WorkingDir}}w{{else if .Config.Env}}env{{end}}", "env"],
    ["{{with .Config}}{{.Labels.a}}{{end}}", "2"],
    ["{{range .Config.Cmd}}x{{else}}empty{{end}}", "empty"],
    ["{{len .RepoTags}}", "2"],
    ["{{upper (index .RepoTags 0)}}", "APP:1"],
    ['{{printf "%-6s|%5d" "ab" 42}}', "ab    |   42"],
    ["{{$x := .Id}}{{$x}}", "sha256:abc"],
    ["a {{- \" b \" -}} c", "a b c"],
    ["{{/* a comment */}}x", "x"],
    ["{{eq .Size 1234}} {{ne .Id \"x\"}} {{lt 1 2}}", "true true true"],
    ["{{split \"a:b\" \":\"}}", "[a b]"],
    ["{{truncate .Id 4}}", "sha2"],
    ["{{(index .RepoTags 0)}}", "app:1"],
    ["{{json .}}", JSON.stringify(image)],
  ])("%s", (template, expected) => {
    expect(renderTemplate(template, image)).toBe(expected);
  });

  it("calls methods with arguments, as Docker's {{.Label \"key\"}}", () => {
    const row = { Labels: "a=1", Label: (k: string) => (k === "a" ? "1" : "") };
    expect(renderTemplate('{{.Label "a"}}', row)).toBe("1");
  });

  it.each(["{{.Id", "{{if .Id}}x", "{{end}}", "{{nofunc .Id}}", "{{.Id | .Size}}"])("rejects %s with a clear error", (template) => {
    expect(() => renderTemplate(template, image)).toThrow(/template/);
  });
});

describe("Docker list formats", () => {
  const spec = { table: "table {{.Repository}}\t{{.Tag}}", headers: { Repository: "REPOSITORY", Tag: "TAG" } };
  const rows = [
    { Repository: "busybox", Tag: "latest" },
    { Repository: "a", Tag: "1" },
  ];

  it("lays out tables as Docker's tabwriter does (minwidth 10, padding 3)", () => {
    expect(formatList(undefined, rows, spec)).toBe("REPOSITORY   TAG\nbusybox      latest\na            1\n");
    expect(tabwrite(["A\tB\tC", "xx\t\tz"])).toBe("A         B         C\nxx                  z\n");
  });

  it("renders a custom table with headers from the field names", () => {
    expect(formatList("table {{.Tag}}\\t{{.Repository}}", rows, spec)).toBe("TAG       REPOSITORY\nlatest    busybox\n1         a\n");
  });

  it("renders a plain template once per row, with \\t unescaped", () => {
    expect(formatList("{{.Repository}}:{{.Tag}}", rows, spec)).toBe("busybox:latest\na:1\n");
    expect(formatList("{{.Repository}}\\t{{.Tag}}", rows, spec)).toBe("busybox\tlatest\na\t1\n");
  });

  it("prints one JSON object per line with sorted keys for json", () => {
    expect(formatList("json", [{ Tag: "1", Repository: "a" }], spec)).toBe('{"Repository":"a","Tag":"1"}\n');
  });

  it("inspect: an indented JSON array by default, the template per item with -f", () => {
    expect(formatEach(undefined, [{ Id: "x" }])).toBe('[\n    {\n        "Id": "x"\n    }\n]\n');
    expect(formatEach("{{.Id}}", [{ Id: "x" }, { Id: "y" }])).toBe("x\ny\n");
  });
});
