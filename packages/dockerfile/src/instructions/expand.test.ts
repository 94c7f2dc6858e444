import { describe, expect, it } from "vitest";
import { DockerfileError, expandInstruction, expandWord, expandWords, lookupIn, parseDockerfile, type Instruction } from "../index.js";

const env = lookupIn({ IMG: "alpine", TAG: "3.20", P: "linux/arm64", U: "app", DIR: "/srv/my app", PORTS: "80 443/tcp", SIG: "TERM", EMPTY: "" });

function expandAll(src: string, escape = "\\"): Instruction[] {
  const df = parseDockerfile(src);
  return df.stages.flatMap((s) => [s.from, ...s.instructions]).map((i) => expandInstruction(i, env, escape));
}

describe("expandInstruction: exactly where BuildKit expands", () => {
  it("FROM image and --platform, but not the stage name", () => {
    const [from] = expandAll("FROM --platform=$P ${IMG}:${TAG:-latest} AS Base\n");
    expect(from).toMatchObject({ image: "alpine:3.20", platform: "linux/arm64", stageName: "base" });
  });

  it("shell-form COPY splits on whitespace before expanding, so a quoted source with a space is an error (as BuildKit)", () => {
    expect(() => expandAll('FROM x\nCOPY "a b" /d\n')).toThrow(/unexpected end of statement while looking for matching double-quote/);
  });

  it("COPY/ADD sources, dest, --chown, --chmod, --from; heredoc words untouched", () => {
    const [, copy, add] = expandAll("FROM x\nCOPY --from=$IMG --chown=$U:$U --chmod=${EMPTY:-644} '$IMG' $IMG/* <<\"E$U\" $DIR/\nhi\nE$U\nADD [\"$IMG\", \"/x/$TAG\"]\n");
    expect(copy).toMatchObject({ from: "alpine", chown: "app:app", chmod: "644", sources: ["$IMG", "alpine/*", '<<"E$U"'], dest: "/srv/my app/" });
    expect(add).toMatchObject({ sources: ["alpine"], dest: "/x/3.20" });
  });

  it("ENV and LABEL keys and values (quotes removed), ARG defaults", () => {
    const [, e, l, a] = expandAll('FROM x\nENV A="$IMG $TAG" B=\'$IMG\' C=${NOPE:-d}\nLABEL "k.$U"="v $U"\nARG X=$IMG Y\n');
    expect(e).toMatchObject({ pairs: [{ key: "A", value: "alpine 3.20" }, { key: "B", value: "$IMG" }, { key: "C", value: "d" }] });
    expect(l).toMatchObject({ pairs: [{ key: "k.app", value: "v app" }] });
    expect(a).toMatchObject({ args: [{ key: "X", value: "alpine" }, { key: "Y" }] });
  });

  it("EXPOSE splits expanded words; USER, WORKDIR, VOLUME, STOPSIGNAL", () => {
    const [, ex, u, w, v, s] = expandAll("FROM x\nEXPOSE $PORTS 8080\nUSER $U\nWORKDIR $DIR\nVOLUME $DIR/data /x\nSTOPSIGNAL SIG$SIG\n");
    expect(ex).toMatchObject({ ports: ["80", "443/tcp", "8080"] });
    expect(u).toMatchObject({ user: "app" });
    expect(w).toMatchObject({ path: "/srv/my app" });
    expect(v).toMatchObject({ paths: ["/srv/my app/data", "/x"] });
    expect(s).toMatchObject({ signal: "SIGTERM" });
  });

  it("never RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER, ONBUILD", () => {
    const src = 'FROM x\nRUN echo $IMG\nCMD ["$IMG"]\nENTRYPOINT $IMG\nSHELL ["$IMG"]\nHEALTHCHECK CMD $IMG\nMAINTAINER $U\nONBUILD COPY $IMG /\n';
    const df = parseDockerfile(src);
    for (const instr of df.stages[0]!.instructions) expect(expandInstruction(instr, env, "\\")).toEqual(instr);
  });

  it("returns a copy and honours the backtick escape", () => {
    const df = parseDockerfile("# escape=`\nFROM x\nWORKDIR c:\\`$IMG\\$IMG\n");
    const w = df.stages[0]!.instructions[0]!;
    expect(expandInstruction(w, env, "`")).toMatchObject({ path: "c:\\$IMG\\alpine" });
    expect(w).toMatchObject({ path: "c:\\`$IMG\\$IMG" });
  });

  it("reports expansion errors at the instruction", () => {
    const w = parseDockerfile("FROM x\n\nWORKDIR ${NOPE:?must be set}\n").stages[0]!.instructions[0]!;
    let err: unknown;
    try {
      expandInstruction(w, env, "\\", "ctx/Dockerfile");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DockerfileError);
    expect((err as DockerfileError).message).toBe('failed to process "${NOPE:?must be set}": NOPE: must be set');
    expect((err as DockerfileError).location).toMatchObject({ file: "ctx/Dockerfile", startLine: 3, endLine: 3, source: "WORKDIR ${NOPE:?must be set}" });
  });
});

describe("expandWord / expandWords beyond the conformance tables", () => {
  const vars = lookupIn({ V: "a.b.c.tar.gz", S: "x  y", E: "" });
  it.each([
    ["${V#*.}", "b.c.tar.gz"],
    ["${V##*.}", "gz"],
    ["${V%.*}", "a.b.c.tar"],
    ["${V%%.*}", "a"],
    ["${V/./-}", "a-b.c.tar.gz"],
    ["${V//./-}", "a-b-c-tar-gz"],
    ["${V//\\*/}", "a.b.c.tar.gz"],
    ["${E-unset}", ""],
    ["${E:-empty}", "empty"],
    ["${E+set}", "set"],
    ["${E:+set}", ""],
    ["${U+set}", ""],
    ["$U-x", "-x"],
  ])("%s -> %j", (word, expected) => expect(expandWord(word, vars)).toBe(expected));

  it.each(["${V//\\./}", "${V:=x}", "${V:#x}", "${V", "${}", "${:x}", "${E:?}", "${U?}"])("%s is an error", (word) => {
    expect(() => expandWord(word, vars)).toThrow(DockerfileError);
  });

  it("splits unquoted variable values but not quoted ones", () => {
    expect(expandWords('$S "$S" a\\ b', vars)).toEqual(["x", "y", "x  y", "a b"]);
  });
});
