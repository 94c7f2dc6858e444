import { DockerfileError, LineFault, type DockerfileLocation } from "../errors.js";
import { goQuote } from "../syntax/go-quote.js";
import { lexWord, type Lookup } from "./lexer.js";

export type { Lookup } from "./lexer.js";

function run<T>(word: string, location: DockerfileLocation | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof LineFault)) throw e;
    throw new DockerfileError(`failed to process ${goQuote(word)}: ${e.message}`, location ?? { file: "", startLine: 0, endLine: 0, source: word });
  }
}

/**
 * BuildKit's ProcessWord: quotes removed, escapes applied, variables expanded, no word
 * splitting. Throws DockerfileError on bad syntax or `${V?msg}` with V unset.
 */
export function expandWord(word: string, lookup: Lookup, escapeToken = "\\", location?: DockerfileLocation): string {
  return run(word, location, () => lexWord(word, lookup, { escapeToken }).word);
}

/** BuildKit's ProcessWords: as expandWord, then split at unquoted whitespace (also inside values). */
export function expandWords(word: string, lookup: Lookup, escapeToken = "\\", location?: DockerfileLocation): string[] {
  return run(word, location, () => lexWord(word, lookup, { escapeToken }).words);
}

/** A Lookup over a plain record or Map. */
export function lookupIn(env: Record<string, string> | ReadonlyMap<string, string>): Lookup {
  if (env instanceof Map) return (name) => env.get(name);
  const rec = env as Record<string, string>;
  return (name) => (Object.hasOwn(rec, name) ? rec[name] : undefined);
}
