import type { Command } from "commander";
import { StrataError } from "@strata/core";
import type { GlobalOptions } from "./engine.js";
import { printError } from "./errors.js";

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
      .description("Show the history of an image (in the store, or docker-archive:FILE, oci-archive:FILE, oci:DIR)")
      .argument("[image]")
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
}
