import { createProgram } from "./program.js";
import { printError, exitCodeOf } from "./errors.js";

/** Runs the command line `argv` (shaped like process.argv). Sets process.exitCode; never throws. */
export async function main(argv: readonly string[]): Promise<void> {
  process.on("SIGPIPE", () => process.exit(0));
  // `--fail-on-miss` takes a stage only as `--fail-on-miss=STAGE`, so a bare flag never swallows
  // the context argument that follows it.
  const args = argv.map((a) => (a === "--fail-on-miss" ? "--fail-on-miss=*" : a));
  try {
    await createProgram().parseAsync(args);
  } catch (e) {
    printError(e);
    process.exitCode = exitCodeOf(e);
  }
}
