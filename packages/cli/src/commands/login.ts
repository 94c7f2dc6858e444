import { StrataError } from "@strata/core";
import { registryClient, type RegistryFlags } from "../registry/client.js";

export interface LoginOptions extends RegistryFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** "https://host:5000/v2/" → "host:5000"; no server → Docker Hub. */
export function serverHost(server: string | undefined): string {
  if (!server) return "docker.io";
  const bare = server.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  if (!bare) throw new StrataError("INVALID_ARGUMENT", `invalid registry ${server}`);
  return ["index.docker.io", "registry-1.docker.io"].includes(bare) ? "docker.io" : bare;
}

/** `strata login`: checks the credentials against the registry, then stores them as `docker login` does. */
export async function loginCommand(server: string | undefined, opts: LoginOptions): Promise<void> {
  const host = serverHost(server);
  if (opts.password !== undefined && opts.passwordStdin) throw new StrataError("INVALID_ARGUMENT", "--password and --password-stdin are mutually exclusive");
  if (opts.passwordStdin && !opts.username) throw new StrataError("INVALID_ARGUMENT", "Must provide --username with --password-stdin");
  if (opts.password !== undefined) process.stderr.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  let username = opts.username;
  let password = opts.password;
  if (opts.passwordStdin) password = (await readAll(process.stdin)).replace(/\r?\n$/, "");
  if (username === undefined || password === undefined) {
    if (!process.stdin.isTTY) throw new StrataError("INVALID_ARGUMENT", "Cannot perform an interactive login from a non TTY device");
    username ??= await prompt("Username: ", false);
    password ??= await prompt("Password: ", true);
  }
  if (!username) throw new StrataError("INVALID_ARGUMENT", "Username is required");
  if (!password) throw new StrataError("INVALID_ARGUMENT", "Password is required");
  const { DockerCredentials } = await import("@strata/store/registry");
  const client = await registryClient(opts);
  const registry = client.host(host);
  registry.useCredentials({ username, password });
  try {
    await registry.checkLogin();
  } finally {
    client.close();
  }
  const where = await new DockerCredentials().store(host, { username, password });
  if (!where.startsWith("docker-credential-")) {
    process.stderr.write(`WARNING! Your password will be stored unencrypted in ${where}.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n`);
  }
  process.stdout.write("Login Succeeded\n");
}

/** `strata logout`: removes the stored credentials. */
export async function logoutCommand(server: string | undefined): Promise<void> {
  const host = serverHost(server);
  const { DockerCredentials, configKey } = await import("@strata/store/registry");
  const shown = host === "docker.io" ? configKey(host) : host;
  if (await new DockerCredentials().erase(host)) process.stdout.write(`Removing login credentials for ${shown}\n`);
  else process.stdout.write(`Not logged in to ${shown}\n`);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** A line from the terminal; with `secret`, nothing is echoed. */
async function prompt(question: string, secret: boolean): Promise<string> {
  process.stdout.write(question);
  const stdin = process.stdin;
  if (secret) stdin.setRawMode?.(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let line = "";
      const onData = (c: Buffer) => {
        for (const ch of c.toString("utf8")) {
          if (ch === "\r" || ch === "\n") {
            stdin.off("data", onData);
            if (secret) process.stdout.write("\n");
            return resolve(line);
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            return reject(new StrataError("CANCELED", "login canceled"));
          }
          if (ch === "\u007f") line = line.slice(0, -1);
          else line += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    if (secret) stdin.setRawMode?.(false);
    stdin.pause();
  }
}
