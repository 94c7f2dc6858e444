import { readFile } from "node:fs/promises";
import { StrataError, errnoCode } from "@strata/core";
import { DockerfileError, dumpAst, parse, parseDockerfile, toJsonAst } from "@strata/dockerfile";
import { printError } from "../errors.js";

export interface ParseCommandOptions {
  file: string;
  /** json: the documented AST of @strata/dockerfile (README); dump: BuildKit's fixture S-expressions. */
  format: "json" | "dump";
}

/**
 * `strata parse [-f FILE] [--format json|dump]`: prints the syntax tree and returns 0, or
 * prints `FILE:LINE: message` and the offending lines to stderr and returns 1.
 * `json` also runs the instruction checks a build would (unknown instructions, flags, ...);
 * `dump` shows exactly what BuildKit's parser reads, unknown instructions included.
 */
export async function parseCommand(opts: ParseCommandOptions): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(opts.file);
  } catch (e) {
    const code = errnoCode(e) === "ENOENT" ? "NOT_FOUND" : "INVALID_ARGUMENT";
    throw new StrataError(code, `cannot read ${opts.file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    const ast = parse(bytes, { file: opts.file });
    if (opts.format === "dump") {
      process.stdout.write(dumpAst(ast.instructions));
    } else {
      parseDockerfile(bytes, { file: opts.file });
      process.stdout.write(JSON.stringify(toJsonAst(ast), null, 2) + "\n");
    }
    return 0;
  } catch (e) {
    if (!(e instanceof DockerfileError)) throw e;
    printError(e);
    return 1;
  }
}
