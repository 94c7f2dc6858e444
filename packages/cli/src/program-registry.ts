import { Option, type Command } from "commander";
import type { GlobalOptions } from "./engine.js";
import { parseBool } from "./registry/client.js";

export const registryTlsOption = () =>
  new Option("--tls-verify [bool]", "verify registry TLS certificates; =false also allows plain HTTP (default true)").argParser(parseBool);

/** push, pull, login, logout. */
export function registerRegistry(program: Command, globals: () => GlobalOptions): void {
  program
    .command("push")
    .description("Upload an image to a registry")
    .argument("<name>", "NAME[:TAG]")
    .option("-a, --all-tags", "push all tags of the repository")
    .option("-q, --quiet", "suppress verbose output")
    .addOption(new Option("--compression <algo>", "compression of layers strata keeps uncompressed").choices(["gzip", "zstd"]).default("gzip"))
    .addOption(registryTlsOption())
    .action(async (name: string, opts) => (await import("./commands/push.js")).pushCommand(name, opts, globals()));

  program
    .command("pull")
    .description("Download an image from a registry")
    .argument("<name>", "NAME[:TAG|@DIGEST]")
    .option("--platform <os/arch[/variant]>", "the platform to pick from a multi-platform image")
    .option("-q, --quiet", "suppress verbose output")
    .addOption(registryTlsOption())
    .action(async (name: string, opts) => (await import("./commands/pull.js")).pullCommand(name, opts, globals()));

  program
    .command("login")
    .description("Log in to a registry (credentials go where `docker login` puts them)")
    .argument("[server]", "registry host (default: Docker Hub)")
    .option("-u, --username <name>", "username")
    .option("-p, --password <password>", "password (prefer --password-stdin)")
    .option("--password-stdin", "read the password from stdin")
    .addOption(registryTlsOption())
    .action(async (server: string | undefined, opts) => (await import("./commands/login.js")).loginCommand(server, opts));

  program
    .command("logout")
    .description("Log out from a registry")
    .argument("[server]", "registry host (default: Docker Hub)")
    .action(async (server: string | undefined) => (await import("./commands/login.js")).logoutCommand(server));
}
