import { LineFault } from "../errors.js";
import { isGoDigit, isGoLetter, isSpaceCode } from "../syntax/unicode.js";
import { replaceAll, replaceFirst, trimPrefixPattern, trimSuffixPattern } from "./pattern.js";

/** How a variable is looked up: undefined means unset (an empty string is set-but-empty). */
export type Lookup = (name: string) => string | undefined;

export interface LexOptions {
  escapeToken: string;
  /** Keep quote characters in the output (they still group words). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written (`$X`, `${X:-y}`). */
  skipUnset?: boolean;
  /** Heredoc detection: `<<` followed by spaces/tabs stays in one word with what follows. */
  glueHeredocOpeners?: boolean;
}

const SPECIAL_PARAMS = new Set(["@", "*", "#", "?", "-", "$", "!", "0"]);
const HEREDOC_OPENER = /^[0-9]*<<-?$/;

/** Accumulates words split at unquoted, unescaped whitespace (BuildKit's wordsStruct). */
class WordCollector {
  word = "";
  words: string[] = [];
  inWord = false;
  /** The word so far is a heredoc opener followed by blanks (tested once, not per blank). */
  #gluing = false;
  constructor(private readonly glue: boolean) {}

  addChar(ch: string): void {
    if (!isSpaceCode(ch.charCodeAt(0))) return this.addRawChar(ch);
    if (this.glue && (ch === " " || ch === "\t") && (this.#gluing || HEREDOC_OPENER.test(this.word))) {
      this.word += ch;
      this.inWord = true;
      this.#gluing = true;
      return;
    }
    this.#gluing = false;
    if (this.inWord && this.word.length !== 0) {
      this.words.push(this.word);
      this.word = "";
      this.inWord = false;
    }
  }
  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
    this.#gluing = false;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.word += s;
    this.inWord = true;
    this.#gluing = false;
  }
  finish(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = "";
      this.inWord = false;
    }
    return this.words;
  }
}

/**
 * One pass of BuildKit's shell-word processing over `source`: quote removal, escapes,
 * `$VAR` / `${VAR...}` expansion, and the word list. Throws LineFault on bad syntax.
 */
export function lexWord(source: string, lookup: Lookup, opts: LexOptions): { word: string; words: string[] } {
  return new ShellWord(source, lookup, opts).run();
}

class ShellWord {
  readonly chars: string[];
  pos = 0;
  rawEscapes: boolean;

  constructor(source: string, private readonly lookup: Lookup, private readonly opts: LexOptions) {
    this.chars = Array.from(source);
    this.rawEscapes = opts.rawEscapes ?? false;
  }

  run(): { word: string; words: string[] } {
    const { result, words } = this.processStopOn(undefined, this.rawEscapes);
    return { word: result, words };
  }

  peek(): string | undefined {
    return this.chars[this.pos];
  }
  next(): string | undefined {
    return this.chars[this.pos++];
  }
  get atEnd(): boolean {
    return this.pos >= this.chars.length;
  }

  processStopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.#scan(stop);
    } finally {
      this.rawEscapes = saved;
    }
  }

  #scan(stop: string | undefined): { result: string; words: string[] } {
    const words = new WordCollector(this.opts.glueHeredocOpeners ?? false);
    let result = "";
    const esc = this.opts.escapeToken;
    while (!this.atEnd) {
      const ch = this.peek()!;
      if (stop !== undefined && ch === stop) {
        this.pos++;
        return { result, words: words.finish() };
      }
      if (ch === "$") {
        const tmp = this.processDollar();
        result += tmp;
        words.addString(tmp);
      } else if (ch === "'" || ch === '"') {
        const tmp = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
        result += tmp;
        words.addRawString(tmp);
      } else {
        let c = this.next()!;
        if (c === esc) {
          if (this.rawEscapes) {
            words.addRawChar(c);
            result += c;
          }
          if (this.atEnd) break;
          c = this.next()!;
          words.addRawChar(c);
        } else words.addChar(c);
        result += c;
      }
    }
    if (stop !== undefined) throw new LineFault(`unexpected end of statement while looking for matching ${stop}`);
    return { result, words: words.finish() };
  }

  processSingleQuote(): string {
    const raw = this.opts.rawQuotes ?? false;
    let result = raw ? this.next()! : (this.pos++, "");
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LineFault("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") return raw ? result + ch : result;
      result += ch;
    }
  }

  processDoubleQuote(): string {
    const raw = this.opts.rawQuotes ?? false;
    const esc = this.opts.escapeToken;
    let result = raw ? this.next()! : (this.pos++, "");
    for (;;) {
      const peek = this.peek();
      if (peek === undefined) throw new LineFault("unexpected end of statement while looking for matching double-quote");
      if (peek === '"') {
        this.pos++;
        return raw ? result + peek : result;
      }
      if (peek === "$") {
        result += this.processDollar();
        continue;
      }
      let ch = this.next()!;
      if (ch === esc) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === undefined) continue;
        if (after === '"' || after === "$" || after === esc) ch = this.next()!;
      }
      result += ch;
    }
  }

  processDollar(): string {
    this.pos++;
    if (this.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnset) return "$" + name;
      return value ?? "";
    }
    this.pos++;
    const first = this.peek();
    if (first === undefined) throw new LineFault("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new LineFault("syntax error: bad substitution");
    const name = this.processName();
    let ch = this.next();
    let chs = ch ?? "";
    if (ch === "}") {
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnset) return `\${${name}}`;
      return value ?? "";
    }
    if (ch === "/") return this.processReplace(name);
    let nullIsUnset = false;
    if (ch === ":") {
      nullIsUnset = true;
      ch = this.next();
      chs += ch ?? "";
    } else if (ch !== "+" && ch !== "-" && ch !== "?" && ch !== "#" && ch !== "%") {
      if (ch === undefined) throw new LineFault("syntax error: missing '}'");
      throw new LineFault(`unsupported modifier (${chs}) in substitution`);
    }
    const word = this.#wordUntilBrace(ch === "#" || ch === "%");
    const value = this.lookup(name);
    const set = value !== undefined;
    if (!set && this.opts.skipUnset) return `\${${name}${chs}${word}}`;
    const isNull = !set || (nullIsUnset && value === "");
    switch (ch) {
      case "-":
        return isNull ? word : value!;
      case "+":
        return isNull ? "" : word;
      case "?":
        if (!set) throw new LineFault(`${name}: ${word || "is not allowed to be unset"}`);
        if (nullIsUnset && value === "") throw new LineFault(`${name}: ${word || "is not allowed to be empty"}`);
        return value;
      case "#":
      case "%": {
        if (nullIsUnset) break;
        const greedy = word.startsWith(ch);
        const pattern = greedy ? word.slice(1) : word;
        return ch === "%" ? trimSuffixPattern(pattern, value ?? "", greedy) : trimPrefixPattern(pattern, value ?? "", greedy);
      }
    }
    throw new LineFault(`unsupported modifier (${chs}) in substitution`);
  }

  #wordUntilBrace(rawEscapes: boolean): string {
    try {
      return this.processStopOn("}", rawEscapes).result;
    } catch (e) {
      if (this.atEnd) throw new LineFault("syntax error: missing '}'");
      throw e;
    }
  }

  processReplace(name: string): string {
    const all = this.peek() === "/";
    if (all) this.pos++;
    let pattern: string;
    try {
      pattern = this.processStopOn("/", true).result;
    } catch (e) {
      if (this.atEnd) throw new LineFault("syntax error: missing '/' in ${}");
      throw e;
    }
    const replacement = this.#wordUntilBrace(true);
    const value = this.lookup(name);
    if (value === undefined && this.opts.skipUnset) return `\${${name}/${pattern}/${replacement}}`;
    return all ? replaceAll(pattern, value ?? "", replacement) : replaceFirst(pattern, value ?? "", replacement);
  }

  processName(): string {
    let name = "";
    while (!this.atEnd) {
      const ch = this.peek()!;
      if (name === "" && isGoDigit(ch)) {
        while (!this.atEnd && isGoDigit(this.peek()!)) name += this.next();
        return name;
      }
      if (name === "" && SPECIAL_PARAMS.has(ch)) {
        this.pos++;
        return ch;
      }
      if (!isGoLetter(ch) && !isGoDigit(ch) && ch !== "_") break;
      name += ch;
      this.pos++;
    }
    return name;
  }
}
