import { exactSize, isSpaceCode } from "./unicode.js";

/**
 * Split `--flag` words off the front of the text after the keyword (BuildKit's
 * extractBuilderFlags). Inside a flag word quotes are removed and `\` escapes the next
 * character (always `\`, whatever the escape directive says). Returns the flags and the
 * rest of the line, starting at the first word that is not a flag.
 */
const NO_FLAGS = Object.freeze([]) as unknown as string[];

export function extractFlags(line: string): { flags: string[]; rest: string } {
  if (line.charCodeAt(0) !== 0x2d && !line.includes("--")) return { flags: NO_FLAGS, rest: line };
  const flags: string[] = [];
  let pos = 0;
  const n = line.length;
  for (;;) {
    while (pos < n && isSpaceCode(line.charCodeAt(pos))) pos++;
    if (pos >= n) return { flags: exactSize(flags), rest: "" };
    if (line.charCodeAt(pos) !== 0x2d || line.charCodeAt(pos + 1) !== 0x2d) return { flags: exactSize(flags), rest: line.slice(pos) };

    // Built from slices between quotes and escapes, so long flags stay flat strings.
    let word = "";
    let segment = pos;
    let blankOK = false;
    let quote = "";
    let ended = false;
    while (pos < n) {
      const ch = line[pos]!;
      if (quote) {
        if (ch === quote) {
          word += line.slice(segment, pos);
          segment = pos + 1;
          quote = "";
        } else if (ch === "\\") {
          word += line.slice(segment, pos);
          segment = pos + 1;
          if (pos + 1 === n) quote = "";
          else pos++;
        }
        pos++;
        continue;
      }
      if (isSpaceCode(line.charCodeAt(pos))) {
        ended = true;
        break;
      }
      if (ch === "'" || ch === '"' || ch === "\\") {
        word += line.slice(segment, pos);
        segment = pos + 1;
        if (ch === "\\") {
          if (pos + 1 < n) pos++;
        } else {
          quote = ch;
          blankOK = true;
        }
      }
      pos++;
    }
    word += line.slice(segment, pos);
    if (word === "--") return { flags: exactSize(flags), rest: ended ? line.slice(pos) : "" };
    if (blankOK || word.length > 0) flags.push(word);
    if (!ended) return { flags: exactSize(flags), rest: "" };
  }
}
