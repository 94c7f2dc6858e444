#!/usr/bin/env node
import { createProgram } from "./program.js";
import { printError, exitCodeOf } from "./errors.js";

process.on("SIGPIPE", () => process.exit(0));

try {
  await createProgram().parseAsync(process.argv);
} catch (e) {
  printError(e);
  process.exitCode = exitCodeOf(e);
}
