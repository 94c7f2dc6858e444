// Property tests: any input, however garbled, yields a result or a DockerfileError — never
// another exception, never a hang. Fixed seed, bounded time.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DockerfileError, dumpAst, expandInstruction, expandWord, expandWords, parse, parseDockerfile } from "./index.js";

// Overridable for longer soak runs: DOCKERFILE_FUZZ_SEED / _RUNS / _MS.
const SEED = Number(process.env.DOCKERFILE_FUZZ_SEED ?? 20261123);
const BUDGET_MS = Number(process.env.DOCKERFILE_FUZZ_MS ?? 1500);
// Deterministic: a fixed seed and run count; the time limit only guards slow machines.
const params = { seed: SEED, numRuns: Number(process.env.DOCKERFILE_FUZZ_RUNS ?? 2000), interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false };

const TOKENS = [
  "FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "LABEL ", "ARG ", "ONBUILD ", "HEALTHCHECK ", "CMD ", "SHELL ", "EXPOSE ", "VOLUME ",
  "USER ", "WORKDIR ", "STOPSIGNAL ", "MAINTAINER ", "ENTRYPOINT ", "FORM ", "AS ", "NONE ", "busybox", "a", "b=c", "x y",
  "\\", "`", "\\\\", '"', "'", "[", "]", '["a", "b"]', "[1]", ",", "=", "$", "$A", "${", "}", "${A:-x}", "${A#*}", "${A//a/b}", ":", "?",
  "<<", "<<-", "<<EOF", "<<'EOF'", "3<<", "EOF", "-", "--", "--from=", "--mount=type=cache,target=/x", "--chown=1:1", "--link",
  "--interval=", "30s", "1m", "#", "# escape=`", "# syntax=x", "# check=skip=all", " ", "  ", "\t", "\n", "\r\n", "\r", "\ufeff",
  "\u00a0", "\u2028", "é", "😀", "\x00", "\x0b",
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(""));
const unicodeText = fc.string({ unit: "grapheme", maxLength: 200 });
const bytes = fc.uint8Array({ maxLength: 300 });

const conformance = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..", "../shared/conformance");
const corpusDirs = ["buildkit/frontend/dockerfile/parser/testfiles", "derived/probes"].map((d) => path.join(conformance, d)).filter(existsSync);
const corpus = corpusDirs.flatMap((dir) => readdirSync(dir).map((d) => readFileSync(path.join(dir, d, "Dockerfile"), "utf8")));
if (corpus.length === 0) corpus.push("FROM a\nRUN <<EOF\nx\nEOF\nCOPY --from=a <<-B /b\n\tb\n\tB\n");
/** A real Dockerfile with random slices deleted, duplicated or replaced by soup. */
const garbled = fc
  .tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), tokenSoup), { maxLength: 6 }))
  .map(([text, edits]) => edits.reduce((s, [at, len, ins]) => s.slice(0, at % (s.length + 1)) + ins + s.slice((at % (s.length + 1)) + len), text));

const anyInput = fc.oneof(tokenSoup, unicodeText, garbled, bytes);

function resultOrDockerfileError(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (e instanceof DockerfileError) return e;
    throw e;
  }
}

describe("fuzz (fast-check, fixed seed)", () => {
  it("parse: result or DockerfileError; results are well-formed", () => {
    fc.assert(
      fc.property(anyInput, (src) => {
        const r = resultOrDockerfileError(() => parse(src));
        if (r instanceof DockerfileError) {
          expect(r.location.startLine).toBeGreaterThanOrEqual(1);
          return;
        }
        const ast = r as ReturnType<typeof parse>;
        expect(typeof dumpAst(ast.instructions)).toBe("string");
        let previousEnd = 0;
        for (const n of ast.instructions) {
          expect(n.startLine).toBeGreaterThan(previousEnd);
          expect(n.endLine).toBeGreaterThanOrEqual(n.startLine);
          previousEnd = n.endLine;
        }
      }),
      params,
    );
  });

  it("parseDockerfile and expandInstruction: result or DockerfileError", () => {
    const lookup = (name: string) => (name.length % 3 === 0 ? undefined : `v ${name} *`);
    fc.assert(
      fc.property(anyInput, (src) => {
        const r = resultOrDockerfileError(() => parseDockerfile(src));
        if (r instanceof DockerfileError) return;
        const df = r as ReturnType<typeof parseDockerfile>;
        for (const stage of df.stages) {
          for (const instr of [stage.from, ...stage.instructions]) resultOrDockerfileError(() => expandInstruction(instr, lookup, df.escapeToken));
        }
      }),
      params,
    );
  });

  it("expandWord / expandWords: result or DockerfileError", () => {
    const env: Record<string, string> = { A: "abc", B: "", C: "a b  c", D: "*?\\" };
    const lookup = (n: string) => (Object.hasOwn(env, n) ? env[n] : undefined);
    fc.assert(
      fc.property(fc.oneof(tokenSoup, unicodeText), fc.constantFrom("\\", "`"), (word, esc) => {
        const r = resultOrDockerfileError(() => expandWord(word, lookup, esc));
        if (!(r instanceof DockerfileError)) expect(typeof r).toBe("string");
        resultOrDockerfileError(() => expandWords(word, lookup, esc));
      }),
      params,
    );
  });

  it("string and UTF-8 byte input parse identically", () => {
    fc.assert(
      fc.property(fc.oneof(tokenSoup, garbled), (src) => {
        const a = resultOrDockerfileError(() => dumpAst(parse(src).instructions));
        const b = resultOrDockerfileError(() => dumpAst(parse(new TextEncoder().encode(src)).instructions));
        if (a instanceof DockerfileError) expect((b as DockerfileError).message).toBe(a.message);
        else expect(b).toBe(a);
      }),
      { ...params, interruptAfterTimeLimit: 500 },
    );
  });
});
