#!/usr/bin/env node
import { createProgram } from "./program.js";
import { printError, exitCodeOf } from "./errors.js";

process.on("SIGPIPE", () => process.exit(0));

// `--fail-on-miss` takes a stage only as `--fail-on-miss=STAGE`, so a bare flag never swallows
// the context argument that follows it.
const argv = process.argv.map((a) => (a === "--fail-on-miss" ? "--fail-on-miss=*" : a));

try {
  await createProgram().parseAsync(argv);
} catch (e) {
  printError(e);
  process.exitCode = exitCodeOf(e);
}
