import { describe, expect, it } from "vitest";
import { DockerfileError, parseDockerfile, type Instruction } from "../index.js";

const only = (src: string): Instruction => parseDockerfile(`FROM scratch\n${src}\n`).stages[0]!.instructions[0]!;

function rejects(src: string, message: string | RegExp, line?: number): DockerfileError {
  let caught: unknown;
  try {
    parseDockerfile(src, { file: "app/Dockerfile" });
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DockerfileError);
  const err = caught as DockerfileError;
  expect(err.code).toBe("SYNTAX");
  expect(err.message).toMatch(message);
  expect(err.location.file).toBe("app/Dockerfile");
  if (line !== undefined) expect(err.location.startLine).toBe(line);
  return err;
}

describe("stages and global ARGs", () => {
  it("groups instructions by FROM, lower-cases stage names, keeps ARGs before FROM as meta args", () => {
    const df = parseDockerfile("ARG BASE=alpine\nARG V\nFROM --platform=$P ${BASE} AS Build\nARG V\nRUN make\nFROM build\nCOPY --from=Build /out /out\nCOPY --from=0 /a /b\n");
    expect(df.metaArgs.map((a) => a.args)).toEqual([[{ key: "BASE", value: "alpine" }], [{ key: "V" }]]);
    expect(df.stages).toHaveLength(2);
    const [build, final] = df.stages;
    expect(build!.name).toBe("build");
    expect(build!.from).toMatchObject({ kind: "from", image: "${BASE}", platform: "$P", stageName: "build", startLine: 3, endLine: 3 });
    expect(build!.instructions.map((i) => i.kind)).toEqual(["arg", "run"]);
    expect(final!.from.baseStage).toBe(0);
    expect(final!.instructions.map((i) => (i.kind === "copy" ? i.fromStage : -1))).toEqual([0, 0]);
  });

  it("rejects instructions before the first FROM, duplicate stage names and forward --from", () => {
    rejects("RUN x\nFROM a\n", /no build stage in current context/, 1);
    rejects("FROM a AS x\nFROM b AS X\n", /duplicate stage name "x"/, 2);
    rejects("FROM a\nCOPY --from=1 a b\nFROM b\n", /refers to current or future build stage/, 2);
    rejects("ARG A\n", /no stages to build/);
    rejects("FROM a AS 1x\n", /invalid name for build stage/);
    rejects("FROM a b\n", /FROM requires either one or three arguments/);
  });
});

describe("instruction checks", () => {
  it("suggests the closest keyword for an unknown instruction, with column and source", () => {
    const err = rejects("FROM a\n  FORM b\n", "unknown instruction: FORM (did you mean FROM?)", 2);
    expect(err.location.column).toBe(3);
    expect(err.location.source).toBe("  FORM b");
    rejects("FROM a\nXYZZY b\n", /^unknown instruction: XYZZY$/);
  });

  it("accepts any flags where BuildKit ignores them (STOPSIGNAL, HEALTHCHECK NONE)", () => {
    expect(only("STOPSIGNAL --whatever SIGINT")).toMatchObject({ signal: "SIGINT" });
    expect(only("HEALTHCHECK --interval=bogus NONE")).toMatchObject({ none: true });
  });

  it("rejects unknown, duplicate, valueless and non-boolean flags", () => {
    rejects("FROM a\nCOPY --frm=x a b\n", "unknown flag: frm");
    rejects("FROM a\nCOPY --from=x --from=y a b\n", "duplicate flag specified: from");
    rejects("FROM a\nCOPY --chown a b\n", "missing a value on flag: chown");
    rejects("FROM a\nCOPY --link=maybe a b\n", /expecting boolean value/);
    rejects("FROM a\nCMD --doit [\"a\"]\n", "unknown flag: doit");
    rejects("FROM a\nADD --from=x a b\n", "unknown flag: from");
  });

  it("rejects missing arguments and SHELL outside JSON form", () => {
    expect(only("RUN")).toMatchObject({ kind: "run", shell: true, cmd: [] }); // accepted by BuildKit too
    rejects("FROM a\nSHELL\n", "SHELL requires at least one argument");
    rejects("FROM a\nCOPY a\n", /COPY requires at least two arguments/);
    rejects("FROM a\nUSER\n", "USER requires exactly one argument");
    rejects("FROM a\nSHELL /bin/sh -c\n", "SHELL requires the arguments to be in JSON form");
    rejects("FROM a\nENV\n", "ENV requires at least one argument");
    rejects("FROM a\nCOPY a <<EOF\nx\nEOF\n", /cannot accept a heredoc as a destination/);
  });

  it("enforces ONBUILD restrictions", () => {
    rejects("FROM a\nONBUILD ONBUILD RUN x\n", /Chaining ONBUILD/);
    rejects("FROM a\nONBUILD FROM b\n", "FROM isn't allowed as an ONBUILD trigger");
    rejects("FROM a\nONBUILD MAINTAINER me\n", "MAINTAINER isn't allowed as an ONBUILD trigger");
    rejects("FROM a\nONBUILD\n", "ONBUILD requires at least one argument");
    const err = rejects("FROM a\nSHELL c:\\bin\\sh.exe\n", "SHELL requires the arguments to be in JSON form");
    expect(err.hint).toMatch(/JSON array/);
  });

  it("validates ports, chown and chmod unless they use variables", () => {
    rejects("FROM a\nEXPOSE 80/tcpx\n", /invalid port/);
    rejects("FROM a\nEXPOSE 70000\n", /invalid port/);
    rejects("FROM a\nCOPY --chmod=999 a b\n", /invalid --chmod/);
    rejects("FROM a\nCOPY --chown=a:b:c a b\n", /invalid --chown/);
    expect(only("EXPOSE $PORT 8000-8010/udp 53/UDP")).toMatchObject({ ports: ["$PORT", "53/UDP", "8000-8010/udp"] });
    expect(only("COPY --chmod=u+x,go-w --chown=$U a b")).toMatchObject({ chmod: "u+x,go-w", chown: "$U" });
  });
});

describe("typed instructions", () => {
  it("RUN: shell vs exec form, mounts, network, security, heredocs with <<- tab stripping", () => {
    expect(only('RUN ["echo", "a b"]')).toMatchObject({ kind: "run", shell: false, cmd: ["echo", "a b"] });
    expect(only("RUN [ 'echo' ]")).toMatchObject({ shell: true, cmd: ["[ 'echo' ]"] });
    const run = only("RUN --mount=type=cache,target=/c --mount=type=secret,id=s --network=none --security=insecure <<-EOT bash\n\techo hi\n\t\tdone\n\tEOT");
    expect(run).toMatchObject({
      kind: "run",
      shell: true,
      cmd: ["<<-EOT bash"],
      mounts: ["type=cache,target=/c", "type=secret,id=s"],
      network: "none",
      security: "insecure",
      heredocs: [{ name: "EOT", content: "echo hi\ndone\n", chomp: true, expand: true, fd: 0 }],
      startLine: 2,
      endLine: 5,
    });
  });

  it("COPY/ADD flags, JSON form and heredoc sources", () => {
    expect(only('COPY --from=build --chown=1:2 --chmod=0755 --link --parents --exclude=*.md --exclude=x ["a b", "/c d/"]')).toMatchObject({
      kind: "copy",
      sources: ["a b"],
      dest: "/c d/",
      json: true,
      from: "build",
      chown: "1:2",
      chmod: "0755",
      link: true,
      parents: true,
      excludes: ["*.md", "x"],
      keepGitDir: false,
    });
    expect(only("ADD --checksum=sha256:abc --keep-git-dir=true --link=false https://x/y.git /src")).toMatchObject({
      kind: "add",
      checksum: "sha256:abc",
      keepGitDir: true,
      link: false,
    });
    expect(only("COPY <<A <<'B' /dest/\na $X\nA\nb $X\nB")).toMatchObject({
      sources: ["<<A", "<<'B'"],
      heredocs: [
        { name: "A", content: "a $X\n", expand: true },
        { name: "B", content: "b $X\n", expand: false },
      ],
    });
  });

  it("ENV, LABEL and ARG keep values raw", () => {
    expect(only('ENV A=1 B="x y" C=$A')).toMatchObject({ pairs: [{ key: "A", value: "1" }, { key: "B", value: '"x y"' }, { key: "C", value: "$A" }] });
    expect(only("ENV PATH /usr/bin  :/bin")).toMatchObject({ pairs: [{ key: "PATH", value: "/usr/bin  :/bin" }] });
    expect(only('LABEL "a.b"="c d" e=f')).toMatchObject({ kind: "label", pairs: [{ key: '"a.b"', value: '"c d"' }, { key: "e", value: "f" }] });
    expect(only('ARG A B= C="x y"')).toMatchObject({ args: [{ key: "A" }, { key: "B", value: "" }, { key: "C", value: '"x y"' }] });
  });

  it("CMD, ENTRYPOINT, SHELL, VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER, EXPOSE", () => {
    expect(only("CMD echo hi")).toMatchObject({ kind: "cmd", shell: true, cmd: ["echo hi"] });
    expect(only('ENTRYPOINT ["/bin/sh", "-c"]')).toMatchObject({ kind: "entrypoint", shell: false, cmd: ["/bin/sh", "-c"] });
    expect(only('SHELL ["pwsh", "-c"]')).toMatchObject({ kind: "shell", cmd: ["pwsh", "-c"] });
    expect(only("VOLUME /a /b")).toMatchObject({ kind: "volume", paths: ["/a", "/b"] });
    expect(only('VOLUME ["/a b"]')).toMatchObject({ paths: ["/a b"] });
    expect(only("user app:app")).toMatchObject({ kind: "user", keyword: "USER", user: "app:app" });
    expect(only("WORKDIR /path with spaces")).toMatchObject({ kind: "workdir", path: "/path with spaces" });
    expect(only("STOPSIGNAL SIGKILL")).toMatchObject({ kind: "stopsignal", signal: "SIGKILL" });
    expect(only("MAINTAINER Jane <j@x>")).toMatchObject({ kind: "maintainer", name: "Jane <j@x>" });
    expect(only("EXPOSE 80 443/tcp 22")).toMatchObject({ kind: "expose", ports: ["22", "443/tcp", "80"] }); // sorted, as BuildKit
  });

  it("HEALTHCHECK: NONE, CMD shell and exec forms, durations in nanoseconds", () => {
    expect(only("HEALTHCHECK NONE")).toMatchObject({ kind: "healthcheck", none: true, test: ["NONE"] });
    expect(only("HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1s --retries=3 CMD curl -f http://x/ || exit 1")).toMatchObject({
      none: false,
      test: ["CMD-SHELL", "curl -f http://x/ || exit 1"],
      interval: 90e9,
      timeout: 500e6,
      startPeriod: 2e9,
      startInterval: 1e9,
      retries: 3,
    });
    expect(only('HEALTHCHECK CMD ["curl", "-f"]')).toMatchObject({ test: ["CMD", "curl", "-f"] });
    rejects("FROM a\nHEALTHCHECK NONE x\n", "HEALTHCHECK NONE takes no arguments");
    rejects("FROM a\nHEALTHCHECK CMD\n", "Missing command after HEALTHCHECK CMD");
    rejects("FROM a\nHEALTHCHECK FOO x\n", /Unknown type "FOO" in HEALTHCHECK/);
    rejects("FROM a\nHEALTHCHECK --interval=10us CMD x\n", /cannot be less than 1ms/);
    rejects("FROM a\nHEALTHCHECK --interval=10 CMD x\n", /invalid duration|missing unit/);
    rejects("FROM a\nHEALTHCHECK --retries=-1 CMD x\n", /cannot be negative/);
  });

  it("ONBUILD: expression and typed inner instruction, with heredocs", () => {
    const ob = only("ONBUILD RUN <<EOF\necho from onbuild\nEOF");
    expect(ob).toMatchObject({ kind: "onbuild", expression: "RUN <<EOF\necho from onbuild\nEOF", startLine: 2, endLine: 4 });
    expect(ob.kind === "onbuild" && ob.inner).toMatchObject({ kind: "run", heredocs: [{ name: "EOF", content: "echo from onbuild\n" }] });
    expect(only("onbuild  copy --chown=1:1 . /")).toMatchObject({ expression: "copy --chown=1:1 . /", inner: { kind: "copy", chown: "1:1" } });
  });

  it("records directives, escape token and warnings", () => {
    const df = parseDockerfile("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN x `\n\n  y\n");
    expect(df.escapeToken).toBe("`");
    expect(df.directives).toEqual({ syntax: "docker/dockerfile:1", escape: "`" });
    expect(df.warnings).toEqual(["Empty continuation line found in: RUN x   y"]);
    expect(df.stages[0]!.instructions[0]).toMatchObject({ cmd: ["x   y"], startLine: 4, endLine: 6 });
  });
});

describe("error precedence", () => {
  it("reports a syntax error anywhere in the file before an instruction error, as BuildKit (parse, then convert)", () => {
    let caught: unknown;
    try {
      parseDockerfile("FROM a\nFORM b\nRUN <<EOF\nnever closed\n");
    } catch (e) {
      caught = e;
    }
    expect((caught as DockerfileError).message).toBe("unterminated heredoc");
  });
});
