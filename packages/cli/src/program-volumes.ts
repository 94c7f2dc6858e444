import type { Command } from "commander";
import type { GlobalOptions } from "./engine.js";
import { collect, commandGroup } from "./program.js";

function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === "number") process.exitCode = code;
    } catch (e) {
      const { printError } = await import("./errors.js");
      printError(e);
      process.exitCode = 1;
    }
  };
}

const load = () => import("./commands/volumes.js");

/** `strata volume …`: managed volumes under <root>/volumes/NAME/_data, Docker's commands. */
export function registerVolumes(program: Command, globals: () => GlobalOptions): void {
  const volume = commandGroup(program, "volume", "Manage volumes");
  volume
    .command("create")
    .description("Create a volume")
    .argument("[name]")
    .option("--name <name>", "volume name")
    .option("-d, --driver <driver>", "volume driver (local)")
    .option("--label <key=value>", "set a label (repeatable)", collect, [])
    .option("-o, --opt <key=value>", "driver option: type=tmpfs|none, device=, o= (repeatable)", collect, [])
    .action(action(async (name: string | undefined, opts) => (await load()).volumeCreate(name, opts, globals())));
  volume
    .command("ls")
    .alias("list")
    .description("List volumes")
    .option("-q, --quiet", "only names")
    .option("-f, --filter <filter>", "dangling=true|false, name=, label=, driver= (repeatable)", collect, [])
    .option("--format <format>", "table, table TEMPLATE, json, or a Go template")
    .action(action(async (opts) => (await load()).volumeList(opts, globals())));
  volume
    .command("inspect")
    .description("Show volume details as JSON")
    .argument("<volume...>")
    .option("-f, --format <template>", "a Go template, once per volume")
    .action(action(async (names: string[], opts) => (await load()).volumeInspect(names, opts, globals())));
  volume
    .command("rm")
    .alias("remove")
    .description("Remove volumes (refused while a container uses them)")
    .argument("<volume...>")
    .option("-f, --force", "do not fail on a volume that does not exist")
    .action(action(async (names: string[], opts) => (await load()).volumeRemove(names, opts, globals())));
  volume
    .command("prune")
    .description("Remove anonymous volumes no container uses (-a: every unused volume)")
    .option("-a, --all", "all unused volumes, named ones too")
    .option("-f, --force", "do not ask for confirmation")
    .option("--filter <filter>", "label=KEY[=VALUE] (repeatable)", collect, [])
    .action(action(async (opts) => (await load()).volumePrune(opts, globals())));
  volume
    .command("export")
    .description("Write a volume's files as a tar archive")
    .argument("<volume>")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(action(async (name: string, opts) => (await load()).volumeExport(name, opts, globals())));
  volume
    .command("import")
    .description("Replace a volume's files with a tar archive's (- for stdin)")
    .argument("<volume>")
    .argument("<file>")
    .action(action(async (name: string, file: string) => (await load()).volumeImport(name, file, globals())));
}
