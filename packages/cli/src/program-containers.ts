import { Command, Option } from "commander";
import type { GlobalOptions } from "./engine.js";
import { collect, commandGroup } from "./program.js";

/**
 * Exit status for an error: Docker's CLI answers 125 when `run`, `create`, `start` or `exec`
 * fail before the container's own process could (and 1 for the other commands).
 */
function action<A extends unknown[]>(onError: number, fn: (...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === "number") process.exitCode = code;
    } catch (e) {
      const { printError } = await import("./errors.js");
      const { isCanceled } = await import("@strata/core");
      printError(e);
      process.exitCode = isCanceled(e) ? 130 : onError;
    }
  };
}

const load = () => import("./commands/containers/commands.js");

function createOptions(cmd: Command): Command {
  return cmd
    .option("--name <name>", "assign a name to the container")
    .option("-e, --env <KEY=VALUE>", "set an environment variable (repeatable; KEY alone: from this environment)", collect, [])
    .option("--env-file <file>", "read environment variables from a file (repeatable)", collect, [])
    .option("-w, --workdir <dir>", "working directory inside the container")
    .option("-u, --user <user[:group]>", "user (name or uid) and group to run as")
    .option("--entrypoint <command>", "override the image's ENTRYPOINT")
    .option("-h, --hostname <name>", "container host name")
    .option("-i, --interactive", "keep stdin open")
    .option("-t, --tty", "allocate a pseudo-terminal")
    .option("--rm", "remove the container when it exits")
    .option("--read-only", "mount the container's root filesystem read-only")
    .addOption(new Option("--network <mode>", "network: default (own namespace, loopback only), none, host"))
    .option("--init", "run an init (tini) as PID 1 that reaps zombies and forwards signals")
    .option("-p, --publish <[ip:]hostPort:containerPort>", "publish a container port on the host (repeatable)", collect, [])
    .option("-v, --volume <spec>", "bind mount or volume: [SOURCE:]DEST[:ro] (repeatable)", collect, [])
    .option("--mount <spec>", "type=volume|bind|tmpfs,source=…,target=…[,readonly] (repeatable)", collect, [])
    .option("--volumes-from <container[:ro|:rw]>", "mount the volumes of another container (repeatable)", collect, [])
    .option("-l, --label <key=value>", "set a label (repeatable)", collect, [])
    .option("--stop-signal <signal>", "signal to stop the container (default: the image's STOPSIGNAL or SIGTERM)")
    .option("--stop-timeout <seconds>", "seconds to wait for the stop signal before killing")
    .helpOption("--help", "display help for command")
    .passThroughOptions();
}

function defineContainerCommands(parent: Command, globals: () => GlobalOptions): void {
  createOptions(parent.command("create").description("Create a new container").argument("<image>").argument("[command...]")).action(
    action(125, async (image: string, command: string[], opts) => (await load()).createCommand(image, command, opts, globals())),
  );

  createOptions(parent.command("run").description("Create and run a new container from an image").argument("<image>").argument("[command...]"))
    .option("-d, --detach", "run in the background and print the container ID")
    .option("--no-sig-proxy", "do not forward received signals to the container")
    .option("--detach-keys <keys>", "key sequence for detaching (default ctrl-p,ctrl-q)")
    .action(action(125, async (image: string, command: string[], opts) => (await load()).runCommand(image, command, opts, globals())));

  parent
    .command("start")
    .description("Start one or more stopped containers")
    .argument("<container...>")
    .option("-a, --attach", "attach to the output and forward signals")
    .option("-i, --interactive", "attach stdin")
    .option("--detach-keys <keys>", "key sequence for detaching")
    .action(action(125, async (refs: string[], opts) => (await load()).startCommand(refs, opts, globals())));

  parent
    .command("stop")
    .description("Stop one or more running containers (stop signal, then SIGKILL)")
    .argument("<container...>")
    .option("-t, --time <seconds>", "seconds to wait before killing (default: the container's stop timeout, 10)")
    .action(action(1, async (refs: string[], opts) => (await load()).stopCommand(refs, opts, globals())));

  parent
    .command("restart")
    .description("Restart one or more containers")
    .argument("<container...>")
    .option("-t, --time <seconds>", "seconds to wait before killing")
    .action(action(1, async (refs: string[], opts) => (await load()).restartCommand(refs, opts, globals())));

  parent
    .command("kill")
    .description("Kill one or more running containers")
    .argument("<container...>")
    .option("-s, --signal <signal>", "signal to send (default KILL)")
    .action(action(1, async (refs: string[], opts) => (await load()).killCommand(refs, opts, globals())));

  parent
    .command("pause")
    .description("Pause all processes within one or more containers")
    .argument("<container...>")
    .action(action(1, async (refs: string[]) => (await load()).pauseCommand(refs, globals())));

  parent
    .command("unpause")
    .description("Unpause all processes within one or more containers")
    .argument("<container...>")
    .action(action(1, async (refs: string[]) => (await load()).unpauseCommand(refs, globals())));

  parent
    .command("exec")
    .description("Run a command in a running container")
    .argument("<container>")
    .argument("<command...>")
    .option("-d, --detach", "run the command in the background")
    .option("-i, --interactive", "keep stdin open")
    .option("-t, --tty", "allocate a pseudo-terminal")
    .option("-u, --user <user[:group]>", "user to run as")
    .option("-w, --workdir <dir>", "working directory")
    .option("-e, --env <KEY=VALUE>", "set an environment variable (repeatable)", collect, [])
    .option("--env-file <file>", "read environment variables from a file (repeatable)", collect, [])
    .passThroughOptions()
    .action(action(125, async (ref: string, command: string[], opts) => (await load()).execCommand(ref, command, opts, globals())));

  parent
    .command("attach")
    .description("Attach this terminal to a running container's output (and stdin)")
    .argument("<container>")
    .option("--no-stdin", "do not attach stdin")
    .option("--no-sig-proxy", "do not forward received signals")
    .option("--detach-keys <keys>", "key sequence for detaching")
    .action(action(1, async (ref: string, opts) => (await load()).attachCommand(ref, opts, globals())));

  parent
    .command("logs")
    .description("Show a container's output")
    .argument("<container>")
    .option("-f, --follow", "follow the output while the container runs")
    .option("-n, --tail <lines>", "only the last N lines (or all)")
    .option("-t, --timestamps", "show timestamps")
    .action(action(1, async (ref: string, opts) => (await load()).logsCommand(ref, opts, globals())));

  parent
    .command("wait")
    .description("Block until containers stop, then print their exit codes")
    .argument("<container...>")
    .action(action(1, async (refs: string[]) => (await load()).waitCommand(refs, globals())));

  parent
    .command("rm")
    .description("Remove one or more containers")
    .argument("<container...>")
    .option("-f, --force", "kill and remove a running container")
    .option("-v, --volumes", "also remove the container's anonymous volumes")
    .action(action(1, async (refs: string[], opts) => (await load()).rmCommand(refs, opts, globals())));

  parent
    .command("rename")
    .description("Rename a container")
    .argument("<container>")
    .argument("<new-name>")
    .action(action(1, async (ref: string, name: string) => (await load()).renameCommand(ref, name, globals())));

  parent
    .command("top")
    .description("Show the running processes of a container")
    .argument("<container>")
    .argument("[ps-options...]")
    .passThroughOptions()
    .action(action(1, async (ref: string, psArgs: string[]) => (await load()).topCommand(ref, psArgs, globals())));

  parent
    .command("diff")
    .description("List the files changed in a container's writable layer (A added, C changed, D deleted)")
    .argument("<container>")
    .action(action(1, async (ref: string) => (await load()).diffCommand(ref, globals())));

  parent
    .command("commit")
    .description("Create a new image from a container's changes")
    .argument("<container>")
    .argument("[repository[:tag]]")
    .option("-a, --author <author>", "author")
    .option("-c, --change <instruction>", "apply a Dockerfile instruction to the image config (repeatable)", collect, [])
    .option("-m, --message <message>", "commit message")
    .option("-p, --pause [bool]", "pause the container during the commit (default true)")
    .option("--no-pause", "do not pause the container")
    .action(
      action(1, async (ref: string, repo: string | undefined, opts) =>
        (await load()).commitCommand(ref, repo, { ...opts, pause: opts.pause !== false && opts.pause !== "false" }, globals()),
      ),
    );

  parent
    .command("cp")
    .description("Copy files between a container and the host (CONTAINER:PATH on one side; - for a tar stream)")
    .argument("<src>")
    .argument("<dest>")
    .option("-L, --follow-link", "follow a symlink given as the source")
    .option("-a, --archive", "keep owners (always done)")
    .action(action(1, async (src: string, dest: string, opts) => (await load()).cpCommand(src, dest, opts, globals())));

  parent
    .command("export")
    .description("Write a container's filesystem as a tar archive")
    .argument("<container>")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(action(1, async (ref: string, opts) => (await load()).exportCommand(ref, opts, globals())));
}

function psCommand(cmd: Command, globals: () => GlobalOptions): Command {
  return cmd
    .description("List containers")
    .option("-a, --all", "show all containers (default: running ones)")
    .option("-s, --size", "show the writable layer's size, and the virtual size with the image")
    .option("-q, --quiet", "only IDs")
    .option("--no-trunc", "do not truncate output")
    .option("-f, --filter <filter>", "status=, name=, ancestor=, id=, label=, exited= (repeatable)", collect, [])
    .option("--format <format>", "table, table TEMPLATE, json, or a Go template")
    .action(action(1, async (opts) => (await load()).psCommand(opts, globals())));
}

/** Containers: Docker's top-level commands, the same under `strata container`, and ps. */
export function registerContainers(program: Command, globals: () => GlobalOptions): void {
  // `run IMAGE COMMAND -x` passes -x to the command: options after a subcommand belong to it.
  program.enablePositionalOptions();
  defineContainerCommands(program, globals);
  psCommand(program.command("ps"), globals);
  const container = commandGroup(program, "container", "Manage containers");
  defineContainerCommands(container, globals);
  psCommand(container.command("ls").alias("ps").alias("list"), globals);
  container
    .command("prune")
    .description("Remove all stopped containers")
    .option("-f, --force", "do not ask for confirmation")
    .action(action(1, async (opts) => (await load()).pruneCommand(opts, globals())));
  container
    .command("inspect")
    .description("Show container details as JSON")
    .argument("<container...>")
    .option("-f, --format <template>", "a Go template, once per object")
    .option("-s, --size", "add SizeRw and SizeRootFs")
    .action(
      action(1, async (refs: string[], opts) =>
        (await import("./commands/inspect.js")).inspectCommand(refs, { ...opts, type: "container" }, globals()),
      ),
    );
  container
    .command("cleanup", { hidden: true })
    .description("Record an exited container's end and release its mounts (run by its monitor)")
    .argument("<id>")
    .action(action(1, async (id: string) => (await load()).cleanupCommand(id, globals())));
}
