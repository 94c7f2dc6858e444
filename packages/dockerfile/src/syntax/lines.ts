import { LineFault } from "../errors.js";
import { isSpaceCode } from "./unicode.js";

/** bufio.Scanner's default limit: BuildKit cannot read a longer physical line. */
const MAX_LINE_BYTES = 65536;

/** Physical lines of the file, each with its line ending (the file is split after each "\n"). */
export class LineReader {
  readonly text: string;
  #pos = 0;
  /** Number of physical lines handed out so far (= 1-based number of the last one). */
  lineNumber = 0;
  /** Offset in `text` where the last line handed out starts. */
  lineStart = 0;

  /** Offset in `text` of the next line. */
  get position(): number {
    return this.#pos;
  }

  constructor(text: string) {
    this.text = text;
  }

  /** The next physical line including its "\n", or undefined at end of file. */
  next(): string | undefined {
    const text = this.text;
    if (this.#pos >= text.length) return undefined;
    const nl = text.indexOf("\n", this.#pos);
    const end = nl < 0 ? text.length : nl + 1;
    const raw = text.slice(this.#pos, end);
    this.lineStart = this.#pos;
    this.#pos = end;
    this.lineNumber++;
    if (raw.length >= MAX_LINE_BYTES / 4 && utf8Length(trimNewline(raw)) >= MAX_LINE_BYTES) {
      throw new LineFault(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES - 1}`);
    }
    return raw;
  }
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** bytes.TrimRight(line, "\r\n") */
export function trimNewline(s: string): string {
  let j = s.length;
  while (j > 0) {
    const c = s.charCodeAt(j - 1);
    if (c !== 10 && c !== 13) break;
    j--;
  }
  return j === s.length ? s : s.slice(0, j);
}

export function trimLeadingWhitespace(s: string): string {
  let i = 0;
  while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

/** A line whose first non-blank character is `#` (such a line never continues). */
export function isComment(s: string): boolean {
  let i = 0;
  while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
  return s.charCodeAt(i) === 0x23;
}

export function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSpaceCode(s.charCodeAt(i))) return false;
  return true;
}

/**
 * BuildKit's continuation test: the line ends with the escape character followed only by
 * spaces/tabs, and that character is first on the line or not itself escaped. Returns the
 * line without the escape character and what follows it, or undefined if it does not continue.
 */
export function stripContinuation(line: string, escape: string): string | undefined {
  let j = line.length;
  while (j > 0) {
    const c = line.charCodeAt(j - 1);
    if (c !== 0x20 && c !== 0x09) break;
    j--;
  }
  if (j === 0 || line[j - 1] !== escape) return undefined;
  if (j === 1) return "";
  if (line[j - 2] === escape) return undefined;
  return line.slice(0, j - 1);
}
