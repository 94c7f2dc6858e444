import { LineFault } from "../errors.js";
import type { Directive } from "./ast.js";

// `\s` in Go's regexp is [\t\n\f\r ]; `.` is anything but \n.
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const KNOWN = new Set(["syntax", "escape", "check"]);

/**
 * Parser directives are only recognised in an unbroken run of directive lines at the top of
 * the file; the first other line (comment, blank, instruction) ends the run for good.
 */
export class DirectiveReader {
  escapeToken: "\\" | "`" = "\\";
  readonly list: Directive[] = [];
  #done = false;

  /** Feed every line the parser reads (left-trimmed at the start of an instruction); true if it was a directive. */
  offer(line: string, lineNumber: number): boolean {
    if (this.#done) return false;
    if (line.charCodeAt(0) !== 0x23 /* # */) {
      this.#done = true;
      return false;
    }
    const m = DIRECTIVE.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (!m || !name || !KNOWN.has(name)) {
      this.#done = true;
      return false;
    }
    if (this.list.some((d) => d.name === name)) throw new LineFault(`only one ${name} parser directive can be used`);
    const value = m[2]!;
    if (name === "escape") {
      if (value !== "`" && value !== "\\") throw new LineFault(`invalid escape token '${value}' does not match \` or \\`);
      this.escapeToken = value;
    }
    this.list.push({ name: name as Directive["name"], value, line: lineNumber });
    return true;
  }

  get record(): Record<string, string> {
    return Object.fromEntries(this.list.map((d) => [d.name, d.value]));
  }
}
