import { Command, Option } from "commander";
import type { GlobalOptions } from "./engine.js";
import { registerContainers } from "./program-containers.js";
import { registerVolumes } from "./program-volumes.js";
import { registerRegistry, registryTlsOption } from "./program-registry.js";
import { registerHistory } from "./program-history.js";

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The group command `name` (e.g. `system`, `volume`), made on first use: each area's
 * `register…` function adds its subcommands to the same group.
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** The `strata` command line. Command modules load lazily so start-up stays fast. */
export function createProgram(): Command {
  const program = new Command("strata")
    .description("Build OCI images from Dockerfiles, one layer per instruction, without a daemon")
    .version("0.1.0")
    .option("--root <dir>", "store root (default: $STRATA_ROOT, /var/lib/strata as root)")
    .addOption(new Option("--storage-driver <driver>", "snapshotter for a new store").choices(["overlay", "native"]))
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  program
    .command("build")
    .description("Build an image from a Dockerfile")
    .argument("[context]", "build context directory", ".")
    .option("-t, --tag <name>", "name and optionally a tag (repeatable)", collect, [])
    .option("-f, --file <path>", "Dockerfile path (default: CONTEXT/Dockerfile)")
    .option("--build-arg <key=value>", "build-time variable (repeatable)", collect, [])
    .option("--target <stage>", "build this stage and what it needs")
    .option("--no-cache", "do not use the build cache")
    .option("--no-cache-filter <stage>", "do not use the cache for this stage (repeatable)", collect, [])
    .option("--dry-run", "compute every step's cache key and print HIT or MISS with the reason; run nothing")
    .addOption(new Option("--format <format>", "output of --dry-run").choices(["table", "json"]).default("table"))
    .option("--fail-on-miss [stage]", "exit 3 when any step misses the cache; --fail-on-miss=STAGE: any step up to that stage")
    .option("--metadata-file <file>", "write the image digest and per-step cache status as JSON")
    .option("--summary <file>", "write a Markdown summary for a CI job")
    .option("--cache-to <spec>", "export the cache: type=registry,ref=HOST/REPO:TAG or type=local,dest=DIR [,mode=min|max][,compression=gzip|zstd][,ignore-error=true|false]")
    .option("--cache-from <spec>", "import a cache: type=registry,ref=HOST/REPO:TAG or type=local,src=DIR (repeatable)", collect, [])
    .option("--push", "push the image to the registry of each tag")
    .option("--load", "with --push: also keep the image in the store, downloading layers only a registry has")
    .option("--pull", "resolve FROM images on their registry even when the store has them")
    .addOption(registryTlsOption())
    .addOption(new Option("--progress <mode>", "progress output").choices(["auto", "plain", "json", "quiet"]).default("auto"))
    .addOption(new Option("--network <mode>", "network for RUN").choices(["none", "host", "default"]).default("none"))
    .addOption(new Option("--storage-driver <driver>", "snapshotter for a new store").choices(["overlay", "native"]))
    .option("-q, --quiet", "print only the image ID")
    .option("--iidfile <file>", "write the image ID to a file")
    .action(async (context: string, opts) => {
      const { buildCommand } = await import("./commands/build.js");
      process.exitCode = await buildCommand(context, { ...opts, storageDriver: opts.storageDriver ?? globals().storageDriver }, globals());
    });

  program
    .command("images")
    .description("List images")
    .argument("[repository]", "only images of this repository (name or name:tag, wildcards allowed)")
    .option("-a, --all", "show all images (intermediate step images are hidden by default)")
    .option("--digests", "show digests")
    .option("-f, --filter <filter>", "reference=, dangling=true|false, before=, since=, label= (repeatable)", collect, [])
    .option("--format <format>", "table, table TEMPLATE, json, or a Go template")
    .option("-q, --quiet", "only show image IDs")
    .option("--no-trunc", "do not truncate IDs")
    .action(async (repository: string | undefined, opts) => (await import("./commands/images.js")).imagesCommand(repository, opts, globals()));

  registerHistory(program, globals);

  program
    .command("inspect")
    .description("Show container or image details as JSON (a name is looked up as a container first)")
    .argument("<name...>")
    .option("-f, --format <template>", "a Go template, once per object")
    .addOption(new Option("--type <type>", "only this kind of object").choices(["container", "image"]))
    .option("-s, --size", "containers: add SizeRw and SizeRootFs")
    .action(async (names: string[], opts: { format?: string; type?: string; size?: boolean }) => {
      process.exitCode = await (await import("./commands/inspect.js")).inspectCommand(names, opts, globals());
    });

  program
    .command("tag")
    .description("Create a tag TARGET that refers to SOURCE")
    .argument("<source>")
    .argument("<target>")
    .action(async (source: string, target: string) => (await import("./commands/tag.js")).tagCommand(source, target, globals()));

  program
    .command("rmi")
    .description("Remove images, and the layers and snapshots no other image uses")
    .argument("<image...>")
    .option("-f, --force", "remove an image ID that has several tags")
    .action(async (images: string[], opts) => {
      process.exitCode = await (await import("./commands/rmi.js")).rmiCommand(images, opts, globals());
    });

  program
    .command("load")
    .description("Load images from a docker-archive or OCI layout tar")
    .option("-i, --input <file>", "read from a file instead of stdin")
    .option("-q, --quiet", "suppress output")
    .action(async (opts) => (await import("./commands/load.js")).loadCommand(opts, globals()));

  program
    .command("save")
    .description("Save images to a tar archive (docker-archive by default)")
    .argument("<image...>")
    .requiredOption("-o, --output <file>", "write to a file")
    .addOption(new Option("--format <format>", "archive format").choices(["docker", "oci"]).default("docker"))
    .addOption(new Option("--compression <algo>", "layer compression for --format oci").choices(["gzip", "zstd", "none"]).default("gzip"))
    .action(async (images: string[], opts) => (await import("./commands/save.js")).saveCommand(images, opts, globals()));

  const builder = program.command("builder").description("Manage the build cache");
  builder
    .command("prune")
    .description("Remove build cache records and the layers and snapshots only they use")
    .option("-a, --all", "remove all build cache, not just what no image uses")
    .option("--keep-storage <size>", "keep at most this much cache (least recently used goes first)")
    .option("--filter <filter>", "until=DURATION: only records not used for that long (repeatable)", collect, [])
    .action(async (opts) => (await import("./commands/prune.js")).pruneCommand(opts, globals()));

  commandGroup(program, "system", "Store-wide information")
    .command("df")
    .description("Show disk usage of images, containers, volumes and the build cache")
    .option("-v, --verbose", "show each image, container, volume and cache record")
    .action(async (opts: { verbose?: boolean }) => (await import("./commands/df.js")).dfCommand(opts, globals()));

  registerContainers(program, globals);
  registerVolumes(program, globals);

  program
    .command("parse")
    .description("Parse a Dockerfile and print its syntax tree")
    .option("-f, --file <path>", "Dockerfile path", "Dockerfile")
    .addOption(new Option("--format <format>", "output format").choices(["json", "dump"]).default("json"))
    .action(async (opts) => {
      const { parseCommand } = await import("./commands/parse.js");
      process.exitCode = await parseCommand({ file: opts.file, format: opts.format });
    });

  registerRegistry(program, globals);
  return program;
}
