import type { DockerfileLocation } from "../errors.js";
import { expandWord, expandWords, type Lookup } from "../shell/expand.js";
import { isHeredocWord } from "../syntax/heredoc.js";
import type { Instruction } from "./types.js";

/**
 * A copy of the instruction with variables expanded exactly where BuildKit expands them:
 * FROM (image, --platform), ADD/COPY (sources, dest, --chown, --chmod, --from), ENV and
 * LABEL (keys and values), ARG default values, EXPOSE (with word splitting), STOPSIGNAL,
 * USER, VOLUME, WORKDIR. RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER and ONBUILD are
 * returned unchanged. Heredoc bodies and heredoc source words are not expanded here.
 * Throws DockerfileError located at the instruction.
 */
export function expandInstruction<T extends Instruction>(instr: T, lookup: Lookup, escapeToken: string, file = "Dockerfile"): T {
  const location: DockerfileLocation = { file, startLine: instr.startLine, endLine: instr.endLine, source: instr.original };
  const word = (w: string) => expandWord(w, lookup, escapeToken, location);
  const maybe = (w: string | undefined) => (w === undefined ? undefined : word(w));
  const i = instr as Instruction;
  let out: Instruction;
  switch (i.kind) {
    case "from":
      out = { ...i, image: word(i.image), platform: maybe(i.platform) };
      break;
    case "copy":
    case "add":
      out = {
        ...i,
        sources: i.sources.map((s) => (!i.json && isHeredocWord(s) ? s : word(s))),
        dest: word(i.dest),
        chown: maybe(i.chown),
        chmod: maybe(i.chmod),
        from: maybe(i.from),
      };
      break;
    case "env":
    case "label":
      out = { ...i, pairs: i.pairs.map((p) => ({ key: word(p.key), value: word(p.value) })) };
      break;
    case "arg":
      out = { ...i, args: i.args.map((a) => (a.value === undefined ? { ...a } : { key: a.key, value: word(a.value) })) };
      break;
    case "expose":
      out = { ...i, ports: i.ports.flatMap((p) => expandWords(p, lookup, escapeToken, location)) };
      break;
    case "stopsignal":
      out = { ...i, signal: word(i.signal) };
      break;
    case "user":
      out = { ...i, user: word(i.user) };
      break;
    case "volume":
      out = { ...i, paths: i.paths.map(word) };
      break;
    case "workdir":
      out = { ...i, path: word(i.path) };
      break;
    default:
      out = { ...i };
  }
  return out as T;
}
