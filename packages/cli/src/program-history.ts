import type { Command } from "commander";
import { StrataError } from "@strata/core";
import type { GlobalOptions } from "./engine.js";
import { printError } from "./errors.js";
import { collect } from "./program.js";

/**
 * Go's strconv.ParseBool, for Docker's `-H=false` / `--human=false` (commander hands a short
 * option's value over with its `=`).
 */
function parseBool(flag: string, value: string | boolean): boolean {
  if (typeof value === "boolean") return value;
  const v = value.replace(/^=/, "");
  if (["1", "t", "T", "true", "TRUE", "True"].includes(v)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(v)) return false;
  throw new StrataError("INVALID_ARGUMENT", `invalid argument "${v}" for "${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/**
 * Runs a command whose failures exit 2 (bad input, unknown image or transport: `diff`'s
 * convention, which compare's 0/1 verdict needs); usage errors from commander exit 2 too.
 */
function exitTwoOnError(cmd: Command): Command {
  return cmd.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
}

async function orExitTwo(fn: () => Promise<number | void>): Promise<void> {
  try {
    const code = await fn();
    if (typeof code === "number") process.exitCode = code;
  } catch (e) {
    printError(e);
    process.exitCode = 2;
  }
}

/** `history`, `compare` and `analyze`: how an image was made, how two differ, what space is wasted. */
export function registerHistory(program: Command, globals: () => GlobalOptions): void {
  exitTwoOnError(
    program
      .command("history")
      .description("Show the history of an image")
      .argument("[image]", "image in the store, or docker-archive:FILE, oci-archive:FILE, oci:DIR[:TAG]")
      .option("--no-trunc", "do not truncate output")
      .option("-H, --human [bool]", "human-readable sizes and dates", true)
      .option("-q, --quiet", "only show image IDs")
      .option("--format <format>", "table, table TEMPLATE, json, or a Go template"),
  ).action(async (image: string | undefined, opts) =>
    orExitTwo(async () => {
      let human = opts.human as string | boolean;
      // `-H IMAGE`: commander took the image for the flag's optional value.
      if (image === undefined && typeof human === "string" && !/^=?(1|t|T|true|TRUE|True|0|f|F|false|FALSE|False)$/.test(human)) {
        image = human;
        human = true;
      }
      if (image === undefined) throw new StrataError("INVALID_ARGUMENT", '"strata history" requires exactly 1 argument');
      const { historyCommand } = await import("./commands/history.js");
      await historyCommand(image, { trunc: opts.trunc, human: parseBool("-H, --human", human), quiet: opts.quiet, format: opts.format }, globals());
    }),
  );

  exitTwoOnError(
    program
      .command("compare")
      .description("Show how two images differ, step by step and file by file (exit 0 identical, 1 different)")
      .argument("<a>", "image in the store, or docker-archive:FILE, oci-archive:FILE, oci:DIR[:TAG]")
      .argument("<b>")
      .option("--path <glob>", "only files under these paths (repeatable; Go globs and **)", collect, [])
      .option("--ignore-timestamps", "file mtimes, history times and the config's created time do not count")
      .option("--ignore-history", "history entries do not count")
      .option("--semantic", "only the final filesystem and config count (implies --ignore-timestamps --ignore-history)")
      .option("--format <format>", "text (default) or json")
      .option("--html <file>", "also write a self-contained HTML report")
      .option("--no-trunc", "do not truncate output"),
  ).action(async (a: string, b: string, opts) =>
    orExitTwo(async () => (await import("./commands/compare.js")).compareCommand(a, b, opts, globals())),
  );

  exitTwoOnError(
    program
      .command("analyze")
      .description("Show the space an image wastes and its efficiency; --ci gates on dive's rules")
      .argument("<image>", "image in the store, or docker-archive:FILE, oci-archive:FILE, oci:DIR[:TAG]")
      .option("--ci", "evaluate the CI rules (from .dive-ci, or --ci-config) and exit 1 when one fails")
      .option("--ci-config <file>", "rules file (YAML with a rules: map, as dive's .dive-ci); implies --ci")
      .option("--lowest-efficiency <ratio>", "fail below this efficiency (0-1; dive's default 0.9); implies --ci")
      .option("--highest-wasted-bytes <size>", "fail above this many wasted bytes (e.g. 20MB; default disabled); implies --ci")
      .option("--highest-user-wasted-percent <ratio>", "fail above this ratio of wasted to user bytes (0-1; default 0.1); implies --ci")
      .option("--summary <file>", "write a Markdown summary (for a CI job)")
      .option("--html <file>", "also write a self-contained HTML report")
      .option("--format <format>", "text (default) or json")
      .option("--top <n>", "wasted copies to list in text output", "20")
      .option("--no-trunc", "do not truncate output"),
  ).action(async (image: string, opts) =>
    orExitTwo(async () => (await import("./commands/analyze.js")).analyzeCommand(image, opts, globals())),
  );
}
