import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { StrataError, errnoCode, run, writeFileAtomic } from "@strata/core";

/** What authenticates us to one registry. */
export type Credentials = { username: string; password: string } | { identityToken: string; username?: string };

/** Docker Hub's key in config.json, as the docker CLI writes it. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

/** The docker CLI's config directory: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(homedir(), ".docker");
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

/** The config.json key for a registry host ("docker.io" → Docker Hub's URL key). */
export function configKey(host: string): string {
  return isDockerHub(host) ? DOCKER_HUB_KEY : host;
}

export const isDockerHub = (host: string): boolean => ["docker.io", "index.docker.io", "registry-1.docker.io"].includes(host);

/** A config.json key reduced to a host, as the docker CLI matches them ("https://h:5000/v1/" → "h:5000"). */
function keyHost(key: string): string {
  const bare = key.replace(/^https?:\/\//, "").split("/")[0]!;
  return isDockerHub(bare) ? "docker.io" : bare;
}

/**
 * Credentials as the docker CLI keeps them in `config.json`: `credHelpers[host]`, else
 * `credsStore`, run as `docker-credential-<name>`; else `auths[host].auth` (base64 user:password)
 * or an identity token. `DOCKER_AUTH_CONFIG` (JSON with `auths`) is read first.
 */
export class DockerCredentials {
  constructor(
    readonly dir: string = dockerConfigDir(),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get file(): string {
    return path.join(this.dir, "config.json");
  }

  async get(host: string): Promise<Credentials | undefined> {
    const fromEnv = this.env.DOCKER_AUTH_CONFIG ? parseConfig(this.env.DOCKER_AUTH_CONFIG, "DOCKER_AUTH_CONFIG") : undefined;
    const envEntry = fromEnv && findEntry(fromEnv.auths, host);
    if (envEntry) return decodeEntry(envEntry, "DOCKER_AUTH_CONFIG");
    const config = this.read();
    const helper = this.helperFor(config, host);
    if (helper) {
      const got = await runHelper(helper, "get", configKey(host));
      if (got === undefined) return undefined;
      const creds = JSON.parse(got) as { Username?: string; Secret?: string };
      if (!creds.Secret) return undefined;
      return creds.Username === "<token>" ? { identityToken: creds.Secret } : { username: creds.Username ?? "", password: creds.Secret };
    }
    const entry = findEntry(config.auths, host);
    return entry ? decodeEntry(entry, this.file) : undefined;
  }

  /** Saves credentials as `docker login` does: to the helper when one is configured, else `auths`. */
  async store(host: string, creds: { username: string; password: string }): Promise<string> {
    const config = this.read();
    const key = configKey(host);
    const helper = this.helperFor(config, host);
    config.auths ??= {};
    for (const k of Object.keys(config.auths)) if (k !== key && keyHost(k) === keyHost(key)) delete config.auths[k];
    if (helper) {
      await runHelper(helper, "store", JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.password }));
      config.auths[key] = {};
    } else {
      config.auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") };
    }
    await this.write(config);
    return helper ? `docker-credential-${helper}` : this.file;
  }

  /** Removes stored credentials; false when there were none. */
  async erase(host: string): Promise<boolean> {
    const config = this.read();
    const key = configKey(host);
    const keys = Object.keys(config.auths ?? {}).filter((k) => keyHost(k) === keyHost(key));
    const helper = this.helperFor(config, host);
    let found = keys.length > 0;
    if (helper) {
      const had = (await runHelper(helper, "get", key)) !== undefined;
      if (had) await runHelper(helper, "erase", key);
      found ||= had;
    }
    if (keys.length > 0) {
      for (const k of keys) delete config.auths![k];
      await this.write(config);
    }
    return found;
  }

  private helperFor(config: DockerConfigFile, host: string): string | undefined {
    const helpers = config.credHelpers ?? {};
    const match = Object.keys(helpers).find((k) => keyHost(k) === keyHost(host));
    return (match && helpers[match]) || config.credsStore || undefined;
  }

  private read(): DockerConfigFile {
    try {
      return parseConfig(readFileSync(this.file, "utf8"), this.file);
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return {};
      throw e;
    }
  }

  private async write(config: DockerConfigFile): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(config, null, "\t")}\n`);
    const { chmod } = await import("node:fs/promises");
    await chmod(this.file, 0o600);
  }
}

function parseConfig(text: string, what: string): DockerConfigFile {
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error("not a JSON object");
    return doc as DockerConfigFile;
  } catch (e) {
    throw new StrataError("INVALID_ARGUMENT", `${what}: not a valid docker config file: ${(e as Error).message}`);
  }
}

function findEntry(auths: Record<string, AuthEntry> | undefined, host: string): AuthEntry | undefined {
  if (!auths) return undefined;
  const want = keyHost(configKey(host));
  const key = Object.keys(auths).find((k) => keyHost(k) === want);
  const entry = key === undefined ? undefined : auths[key];
  return entry && (entry.auth || entry.identitytoken || entry.username) ? entry : undefined;
}

function decodeEntry(entry: AuthEntry, where: string): Credentials | undefined {
  if (entry.identitytoken) return { identityToken: entry.identitytoken, username: entry.username };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, "base64").toString("utf8");
    const i = text.indexOf(":");
    if (i < 0) throw new StrataError("INVALID_ARGUMENT", `${where}: an "auth" entry is not base64 of user:password`);
    return { username: text.slice(0, i), password: text.slice(i + 1) };
  }
  if (entry.username && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return undefined;
}

/**
 * Runs `docker-credential-<name> <action>` with `input` on stdin. "get" of an unknown server
 * resolves to undefined (the helper's "credentials not found"); other failures throw.
 */
async function runHelper(name: string, action: "get" | "store" | "erase", input: string): Promise<string | undefined> {
  const bin = `docker-credential-${name}`;
  const r = await run(bin, [action], { input: `${input}\n` });
  if (r.spawnError) {
    throw new StrataError("UNAVAILABLE", `credential helper ${bin}: ${r.spawnError.code === "ENOENT" ? "not found on PATH" : r.spawnError.message}`);
  }
  const out = r.stdout.toString().trim();
  if (r.exitCode !== 0) {
    if (action === "get" && /credentials not found/i.test(out)) return undefined;
    // The helper's message, never its input (that holds the secret for "store").
    throw new StrataError("UNAVAILABLE", `credential helper ${bin} ${action} failed: ${out || r.stderr.toString().trim() || `exit ${r.exitCode}`}`);
  }
  return out;
}
