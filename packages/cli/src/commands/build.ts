import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { StrataError, normalizeReference, type Digest } from "@strata/core";
import { openEngine, type GlobalOptions } from "../engine.js";
import { printError } from "../errors.js";
import { createProgressRenderer, type ProgressMode } from "../progress.js";
import { dryRunJSON, dryRunTable, metadataFile, missesThatFail, summaryMarkdown } from "./build-report.js";
import { BuildRegistry, pushBuildResult } from "./build-push.js";
import { exportCacheTo, importCacheFrom } from "./cache-transfer.js";

export interface BuildOptions {
  tag: string[];
  file?: string;
  buildArg: string[];
  target?: string;
  cache: boolean;
  /** `--no-cache-filter` values (commander files `--no-*` options under the positive name). */
  cacheFilter: string[];
  progress: ProgressMode;
  network: "none" | "host" | "default";
  storageDriver?: "overlay" | "native";
  quiet?: boolean;
  iidfile?: string;
  dryRun?: boolean;
  format: "table" | "json";
  failOnMiss?: string | true;
  metadataFile?: string;
  summary?: string;
  cacheTo?: string;
  cacheFrom: string[];
  /** Push every tag to its registry; without `load`, layers only a registry has are not downloaded. */
  push?: boolean;
  load?: boolean;
  /** Resolve FROM images on their registry even when the store has them. */
  pull?: boolean;
  tlsVerify?: boolean;
}

/** Exit code when `--fail-on-miss` finds a step that misses the cache. */
export const EXIT_CACHE_MISS = 3;

/** `strata build`: returns the exit code. SIGINT cancels cleanly (exit 130). */
export async function buildCommand(context: string, opts: BuildOptions, globals: GlobalOptions): Promise<number> {
  const contextDir = path.resolve(context);
  const dockerfilePath = opts.file ? path.resolve(opts.file) : path.join(contextDir, "Dockerfile");
  const tags = opts.tag.map(normalizeReference);
  const buildArgs = parseBuildArgs(opts.buildArg);
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && !/^\d+$/.test(epoch)) throw new StrataError("INVALID_ARGUMENT", `invalid SOURCE_DATE_EPOCH: ${epoch}`);
  const progress = createProgressRenderer(opts.quiet || opts.dryRun ? "quiet" : opts.progress);
  const warn = (message: string) => process.stderr.write(`WARNING: ${message}\n`);
  const abort = new AbortController();
  const local = await openEngine({ ...globals, storageDriver: opts.storageDriver }, progress);
  const registry = new BuildRegistry({ tlsVerify: opts.tlsVerify }, abort.signal, local.store);
  const engine = { ...local, remote: await registry.remote(local, warn) };
  const { build } = await import("@strata/builder");
  const onSignal = () => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    for (const spec of opts.cacheFrom) await importCacheFrom(engine, spec, warn, registry.client);
    const result = await build(engine, {
      contextDir,
      dockerfilePath,
      dockerfileName: opts.file ? path.relative(process.cwd(), dockerfilePath) || "Dockerfile" : "Dockerfile",
      tags,
      buildArgs,
      target: opts.target,
      network: opts.network === "host" ? "host" : "none",
      noCache: !opts.cache,
      noCacheFilter: opts.cacheFilter.map((s) => s.toLowerCase()),
      dryRun: opts.dryRun,
      sourceDateEpoch: epoch === undefined ? undefined : Number(epoch),
      pull: opts.pull,
      fetchMissingLayers: !opts.push || opts.load === true,
      signal: abort.signal,
    });
    if (opts.dryRun) process.stdout.write(opts.format === "json" ? dryRunJSON(result) : dryRunTable(result));
    else {
      if (!opts.quiet) {
        process.stderr.write(`writing image ${result.imageId} done\n`);
        if (!result.remoteOnly) for (const t of result.tags) process.stderr.write(`naming to ${t} done\n`);
      }
      const pushed = opts.push ? await pushBuildResult(engine, result, registry, !!opts.quiet) : undefined;
      if (result.remoteOnly && !opts.quiet) process.stderr.write("image pushed, not stored: its layers are only in the registry (--load keeps a local copy)\n");
      process.stdout.write(`${result.imageId}\n`);
      if (opts.iidfile) await writeFile(opts.iidfile, result.imageId ?? "");
      if (opts.metadataFile) await writeFile(opts.metadataFile, metadataFile(result, pushed));
      if (opts.cacheTo) {
        const manifest = await engine.store.content.readJSON<{ layers: { digest: Digest }[] }>(result.manifestDigest!);
        await exportCacheTo(engine, opts.cacheTo, result, manifest.layers.map((l) => l.digest), warn, registry.client);
      }
    }
    if (opts.summary) await writeFile(opts.summary, summaryMarkdown(result));
    if (opts.failOnMiss !== undefined) {
      const misses = missesThatFail(result, result.stages, opts.failOnMiss === "*" ? true : opts.failOnMiss);
      if (misses.length > 0) {
        process.stderr.write(`error: ${misses.length} step(s) missed the cache: ${misses.map((m) => m.name).join(", ")}\n`);
        return EXIT_CACHE_MISS;
      }
    }
    return 0;
  } catch (e) {
    printError(await withSourceLines(e, dockerfilePath));
    return e instanceof StrataError && e.code === "CANCELED" ? 130 : 1;
  } finally {
    await registry.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Replaces an error's logical source line with the physical Dockerfile lines it spans. */
async function withSourceLines(e: unknown, dockerfilePath: string): Promise<unknown> {
  if (!(e instanceof StrataError) || !e.location || e.location.file.includes("ONBUILD")) return e;
  const text = await readFile(dockerfilePath, "utf8").catch(() => undefined);
  if (text === undefined) return e;
  const { startLine, endLine } = e.location;
  const lines = text.split(/\r?\n/).slice(startLine - 1, Math.min(endLine, startLine + 19));
  if (lines.length === 0) return e;
  return new StrataError(e.code, e.message, {
    hint: e.hint,
    cause: e.cause,
    detail: e.detail,
    location: { ...e.location, source: lines.join("\n") },
  });
}

function parseBuildArgs(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf("=");
    if (i < 0) {
      const v = process.env[item];
      if (v !== undefined) out[item] = v;
    } else {
      out[item.slice(0, i)] = item.slice(i + 1);
    }
  }
  return out;
}
