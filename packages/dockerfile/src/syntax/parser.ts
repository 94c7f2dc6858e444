import { DockerfileError, LineFault, sourceLines } from "../errors.js";
import type { Ast, Heredoc, Node } from "./ast.js";
import { parseArguments } from "./arguments.js";
import { DirectiveReader } from "./directives.js";
import { extractFlags } from "./flags.js";
import { heredocsFromLine, mayHaveHeredocs } from "./heredoc.js";
import { isBlank, isComment, LineReader, stripContinuation, trimLeadingWhitespace, trimNewline } from "./lines.js";
import { exactSize, isSplitSpaceCode, trimSpace } from "./unicode.js";

export interface ParseOptions {
  /** Shown in error locations; defaults to "Dockerfile". */
  file?: string;
}

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

type WellFormedString = { isWellFormed?: () => boolean; toWellFormed?: () => string };
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A Dockerfile is UTF-8: unpaired surrogates in string input become U+FFFD, as decoding bytes would. */
function wellFormed(s: string): string {
  const w = s as unknown as WellFormedString;
  if (w.isWellFormed && w.toWellFormed) return w.isWellFormed() ? s : w.toWellFormed();
  return s.replace(LONE_SURROGATE, "\ufffd");
}

/** Bytes or text to text, without a leading byte-order mark. */
export function decodeSource(src: string | Uint8Array): string {
  const text = typeof src === "string" ? wellFormed(src) : decoder.decode(src);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// Empty AST arrays are shared (and frozen): a 5 MB Dockerfile has ~100k nodes, and every
// object that survives parsing costs garbage-collector time. Treat the AST as read-only.
const NO_STRINGS = Object.freeze([]) as unknown as string[];
const NO_HEREDOCS = Object.freeze([]) as unknown as Heredoc[];

/** Build one node from a logical line: keyword, flags, arguments, ONBUILD's wrapped instruction. */
export function nodeFromLine(line: string, escape: string, prevComment: string[]): Node {
  const trimmed = trimSpace(line);
  let cut = 0;
  while (cut < trimmed.length && !isSplitSpaceCode(trimmed.charCodeAt(cut))) cut++;
  const keyword = cut === trimmed.length ? trimmed : trimmed.slice(0, cut);
  let after = cut;
  while (after < trimmed.length && isSplitSpaceCode(trimmed.charCodeAt(after))) after++;
  const { flags, rest: afterFlags } = cut < trimmed.length ? extractFlags(trimmed.slice(after)) : { flags: NO_STRINGS, rest: "" };
  const rest = trimSpace(afterFlags);
  const lower = keyword.toLowerCase();
  const node: Node = { keyword, flags, args: NO_STRINGS, json: false, heredocs: NO_HEREDOCS, startLine: 0, endLine: 0, original: line, prevComment };
  if (lower === "onbuild") {
    if (rest !== "") node.sub = nodeFromLine(rest, escape, NO_STRINGS);
    return node;
  }
  const parsed = parseArguments(lower, rest, escape);
  node.args = parsed.args;
  node.json = parsed.json;
  return node;
}

function canContainHeredoc(node: Node): boolean {
  const target = node.keyword.toLowerCase() === "onbuild" && node.sub ? node.sub : node;
  return mayHaveHeredocs(target.keyword.toLowerCase(), target.json);
}

/**
 * Parse Dockerfile text into BuildKit's raw AST. Never touches the filesystem. Throws
 * DockerfileError for the few things BuildKit's parser itself rejects (bad directives, ENV
 * without value, non-string JSON arrays, unterminated heredocs, no instructions).
 */
export function parse(src: string | Uint8Array, opts: ParseOptions = {}): Ast {
  return parseText(decodeSource(src), opts.file ?? "Dockerfile");
}

/**
 * `parse` for text already decoded. With a `sink`, each node is handed over as soon as it is
 * complete and not kept in `instructions` (parseDockerfile converts them on the fly, so the
 * raw nodes die young instead of surviving garbage collections).
 */
export function parseText(text: string, file: string, sink?: (node: Node) => void): Ast {
  const reader = new LineReader(text);
  const directives = new DirectiveReader();
  const instructions: Node[] = [];
  const warnings: string[] = [];
  let comments: string[] = NO_STRINGS;
  let count = 0;
  let firstLine = 0;
  let lastLine = 0;

  const fail = (message: string, start: number, end: number): never => {
    const s = Math.max(1, start);
    const e = Math.max(s, end);
    throw new DockerfileError(message, { file, startLine: s, endLine: e, source: sourceLines(text, s, e) });
  };
  const next = (): string | undefined => {
    try {
      return reader.next();
    } catch (err) {
      if (err instanceof LineFault) return fail(err.message, reader.lineNumber, reader.lineNumber);
      throw err;
    }
  };
  const offerDirective = (token: string): boolean => {
    try {
      return directives.offer(token, reader.lineNumber);
    } catch (err) {
      if (err instanceof LineFault) fail(err.message, reader.lineNumber, reader.lineNumber);
      throw err;
    }
  };

  for (let raw = next(); raw !== undefined; raw = next()) {
    const first = trimLeadingWhitespace(trimNewline(raw));
    const commentLine = first.charCodeAt(0) === 0x23;
    const directive = offerDirective(first);
    if (commentLine && !directive) {
      // As BuildKit: the raw line minus its first character, trimmed ("  # x" keeps "# x").
      const comment = trimSpace(raw.slice(1));
      comments = comment === "" ? NO_STRINGS : [...comments, comment];
    }
    const startLine = reader.lineNumber;
    const escape = directives.escapeToken;
    const content = commentLine ? "" : first;
    const stripped = stripContinuation(content, escape);
    if (stripped === undefined && content.length === 0) continue;

    let line = stripped ?? content;
    let continues = stripped !== undefined;
    let emptyContinuation = false;
    while (continues) {
      const more = next();
      if (more === undefined) break;
      const token = trimNewline(more);
      offerDirective(token);
      if (isComment(token)) continue;
      if (isBlank(token)) {
        emptyContinuation = true;
        continue;
      }
      const s = stripContinuation(token, escape);
      continues = s !== undefined;
      line += s ?? token;
    }
    if (emptyContinuation) warnings.push("Empty continuation line found in: " + line);

    let node: Node;
    try {
      node = nodeFromLine(line, escape, comments);
    } catch (err) {
      if (err instanceof LineFault) fail(err.message, startLine, reader.lineNumber);
      throw err;
    }

    if (line.includes("<<") && canContainHeredoc(node)) {
      let openers: ReturnType<typeof heredocsFromLine>;
      try {
        openers = heredocsFromLine(line);
      } catch (err) {
        if (err instanceof LineFault) fail(err.message, startLine, reader.lineNumber);
        throw err;
      }
      const heredocs: Heredoc[] = [];
      for (const opener of openers) heredocs.push(readHeredocBody(opener, reader, next, () => fail("unterminated heredoc", startLine, reader.lineNumber)));
      if (heredocs.length > 0) node.heredocs = exactSize(heredocs);
    }

    node.startLine = startLine;
    node.endLine = reader.lineNumber;
    if (count++ === 0) firstLine = startLine;
    lastLine = node.endLine;
    if (sink) sink(node);
    else instructions.push(node);
    comments = NO_STRINGS;
  }

  if (count === 0) fail("file with no instructions", reader.lineNumber, reader.lineNumber);
  return {
    instructions,
    directives: directives.record,
    directiveList: directives.list,
    escapeToken: directives.escapeToken,
    warnings,
    startLine: firstLine,
    endLine: lastLine,
    file,
  };
}

function readHeredocBody(opener: Omit<Heredoc, "content">, reader: LineReader, next: () => string | undefined, unterminated: () => never): Heredoc {
  // The body is contiguous in the source: slice it once instead of concatenating lines.
  const bodyStart = reader.position;
  for (let raw = next(); raw !== undefined; raw = next()) {
    let candidate = trimNewline(raw);
    if (opener.chomp && candidate.charCodeAt(0) === 0x09) candidate = candidate.replace(/^\t+/, "");
    if (candidate === opener.name) return { ...opener, content: reader.text.slice(bodyStart, reader.lineStart) };
  }
  return unterminated();
}
