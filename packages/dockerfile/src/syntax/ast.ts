/** A heredoc body read from the lines after an instruction. */
export interface Heredoc {
  /** The terminator word with quotes removed (`<<"EOF"` -> `EOF`). */
  name: string;
  /**
   * The body, line endings included. In the raw AST (`parse`) this is verbatim, even for
   * `<<-`; the typed instructions (`parseDockerfile`) strip the leading tabs for `<<-`.
   */
  content: string;
  /** False when any part of the name was quoted: the body is then not variable-expanded. */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from the body lines and the terminator. */
  chomp: boolean;
  /** File descriptor prefix (`3<<EOF` -> 3); 0 when absent. */
  fd?: number;
}

/** One instruction of the raw AST, as BuildKit's parser produces it (before any expansion). */
export interface Node {
  /** The keyword as written (`from`, `Shell`, `FOOBAR`). */
  keyword: string;
  /** Flags with quotes and escapes processed (`--chown=user name`). */
  flags: string[];
  /** Arguments as the dump shows them (see the conformance README, 3.4). */
  args: string[];
  /** True when the arguments came from a JSON array (exec form). */
  json: boolean;
  /** ONBUILD only: the wrapped instruction (its line numbers are those of the ONBUILD). */
  sub?: Node;
  /** Heredocs opened on this line (for ONBUILD, those of the wrapped instruction). */
  heredocs: Heredoc[];
  /** First and last physical line (1-based, inclusive), comments and heredoc bodies included. */
  startLine: number;
  endLine: number;
  /** The logical line: continuation lines joined, comments inside them dropped. */
  original: string;
  /** Comment lines directly above the instruction. */
  prevComment: string[];
}

export interface Directive {
  name: "syntax" | "escape" | "check";
  value: string;
  line: number;
}

/** What `parse` returns: the raw AST plus the file-level facts BuildKit records. */
export interface Ast {
  instructions: Node[];
  /** Parser directives by lower-case name (`syntax`, `escape`, `check`). */
  directives: Record<string, string>;
  directiveList: Directive[];
  escapeToken: "\\" | "`";
  /** BuildKit's warnings, e.g. "Empty continuation line found in: RUN ...". */
  warnings: string[];
  /** First line of the first instruction and last line of the last one. */
  startLine: number;
  endLine: number;
  file: string;
}
