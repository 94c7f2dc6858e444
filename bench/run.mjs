#!/usr/bin/env node
// strata benchmarks (issue #3): `npm run bench [-- --quick] [--only b,c] [--no-docker] [--driver overlay|native] [--runs N] [--rounds R]`
// Times strata cold builds (fresh --root, --no-cache) against Docker BuildKit cold builds
// (`docker builder prune -af` first, --no-cache), plus warm and one-file-change rebuilds and
// peak RSS where the scenario asks for them. Results: bench/results/*.json (gitignored).
//
// This shared 2-core VM drifts by 10-20 % within minutes, so each variant is timed in rounds
// that take turns (strata then BuildKit, then BuildKit then strata, ...) and the medians are
// taken over all rounds' runs: a drift then weighs on both engines alike.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_TMP } from "./lib/fixtures.mjs";
import { dockerEngine, strataEngine } from "./lib/engines.mjs";
import { measure, peakRss } from "./lib/hyperfine.mjs";
import { printTable, ratio, writeSummary } from "./lib/report.mjs";
import { scenarios } from "./lib/scenarios.mjs";
import { CONTAINER_SCENARIOS, containerScenarios, printContainerTable } from "./lib/containers.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = path.join(REPO, "bench/results");
const BIN = path.join(REPO, "packages/cli/bin/strata");

function parseArgs(argv) {
  const opts = { quick: false, only: undefined, docker: true, driver: undefined, runs: undefined, rounds: undefined, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") opts.quick = true;
    else if (a === "--no-docker") opts.docker = false;
    else if (a === "--no-build") opts.build = false;
    else if (a === "--only") opts.only = argv[++i].split(",");
    else if (a === "--driver") opts.driver = argv[++i];
    else if (a === "--runs") opts.runs = Number(argv[++i]);
    else if (a === "--rounds") opts.rounds = Number(argv[++i]);
    else if (a === "-h" || a === "--help") {
      console.log("usage: node bench/run.mjs [--quick] [--only a,b,...] [--no-docker] [--no-build] [--driver overlay|native] [--runs N] [--rounds R]");
      console.log("  --runs N    runs per engine in each round (default 2; --quick: 1)");
      console.log("  --rounds R  rounds per variant, engines taking turns first (default 2; --quick: 1)");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd: REPO, ...opts });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

async function prepareEngines(opts) {
  if (opts.build) {
    const b = sh("npm", ["run", "-s", "build"]);
    if (!b.ok) console.warn(`warning: npm run build failed; using whatever dist/ exists:\n${b.out.split("\n").slice(-10).join("\n")}`);
  }
  const testkit = await import(path.join(REPO, "packages/testkit/dist/index.js"));
  mkdirSync(BENCH_TMP, { recursive: true });
  const busyboxTar = path.join(BENCH_TMP, "busybox.tar");
  await testkit.buildBusyboxArchive(busyboxTar);
  const engines = [];
  if (existsSync(BIN)) engines.push(strataEngine({ bin: BIN, root: path.join(BENCH_TMP, "root"), busyboxTar, driver: opts.driver }));
  else console.warn(`warning: ${BIN} missing: strata columns skipped`);
  if (opts.docker) {
    try {
      await testkit.ensureBusyboxInDocker();
      engines.push(dockerEngine());
    } catch (e) {
      console.warn(`warning: Docker unavailable, BuildKit columns skipped: ${e.message}`);
    }
  }
  return engines;
}

function runVariant(engine, sc, ctx, variant, runs, round) {
  const id = `${sc.id}.${variant}.${engine.name}.r${round}`;
  const builds = (noCache) => sc.builds.map((b) => engine.build(ctx, b, { noCache }) + " >/dev/null");
  const fresh = engine.fresh(ctx, sc.setupBuilds);
  switch (variant) {
    case "cold":
      return measure({ id, prepare: fresh, command: builds(true), runs, resultsDir: RESULTS });
    case "warm":
      return measure({ id, setup: [...fresh, ...builds(false)], command: builds(false), runs, resultsDir: RESULTS });
    case "one-file-change": {
      const file = path.join(ctx, sc.changeFile);
      const change = [`date +%s%N > '${file}'`];
      return measure({ id, setup: [...fresh, ...builds(false)], prepare: change, command: builds(false), runs, resultsDir: RESULTS });
    }
    case "rss": {
      if (engine.name !== "strata") return undefined;
      const last = sc.builds.at(-1);
      return peakRss({ id, prepare: [...fresh, ...builds(true).slice(0, -1)], argv: engine.buildArgv(ctx, last, true), resultsDir: RESULTS });
    }
  }
  throw new Error(`unknown variant ${variant}`);
}

/** A scenario of strata commands (compare, analyze) on images built untimed first: strata only. */
async function runCommands(engines, sc, ctx, runs, rounds) {
  const engine = engines.find((e) => e.name === "strata");
  if (!engine) return [];
  const setup = [...engine.fresh(ctx, sc.setupBuilds), ...((await sc.setupCommands?.(engine.command)) ?? [])];
  const out = [];
  let first = true;
  for (const [variant, command] of Object.entries(sc.commands)) {
    const results = [];
    for (let round = 1; round <= rounds; round++) {
      console.log(`== ${sc.id} ${variant} strata round ${round}/${rounds} (${runs} run${runs > 1 ? "s" : ""})`);
      // The images are built once (the first measurement's setup), then reused.
      results.push(measure({ id: `${sc.id}.${variant}.strata.r${round}`, setup: first ? setup : undefined, command: command(engine.command), runs, resultsDir: RESULTS }));
      first = false;
    }
    out.push({ id: sc.id, title: sc.title, variant, strata: pooled(results) });
  }
  return out;
}

/** One result from several rounds: statistics over every run of every round (first error wins). */
function pooled(results) {
  const defined = results.filter((r) => r !== undefined);
  if (defined.length === 0) return undefined;
  const failed = defined.find((r) => r.error);
  if (failed) return failed;
  if (defined[0].maxRssKiB !== undefined) return { maxRssKiB: Math.max(...defined.map((r) => r.maxRssKiB)) };
  const times = defined.flatMap((r) => r.times).sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { median, mean, min: times[0], max: times.at(-1), times, rounds: defined.map((r) => r.median) };
}

/** The registry bench (bench/registry.mjs), unless --only names build scenarios alone. */
function runRegistryBench(opts) {
  if (opts.only && !opts.only.includes("registry")) return undefined;
  if (!opts.docker) return undefined;
  console.log("\n== bench/registry.mjs");
  const r = spawnSync("node", [path.join(REPO, "bench/registry.mjs"), "--no-build", ...(opts.quick ? ["--quick"] : [])], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  process.stdout.write(r.stdout ?? "");
  return { exitCode: r.status, output: r.stdout };
}

function runParserBench(opts) {
  const parser = path.join(REPO, "bench/parser.mjs");
  if (!existsSync(parser)) return undefined;
  console.log("\n== bench/parser.mjs");
  const r = spawnSync("node", [parser, ...(opts.quick ? ["--quick"] : [])], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  process.stdout.write(r.stdout ?? "");
  return { exitCode: r.status, output: r.stdout };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const runs = opts.runs ?? (opts.quick ? 1 : 2);
  const rounds = opts.rounds ?? (opts.quick ? 1 : 2);
  mkdirSync(RESULTS, { recursive: true });
  const startedAt = new Date().toISOString();
  const engines = await prepareEngines(opts);
  const rows = [];
  for (const sc of scenarios(REPO)) {
    if (opts.only && !opts.only.some((o) => sc.id.startsWith(o))) continue;
    const ctx = await sc.context();
    if (!existsSync(ctx)) {
      console.warn(`skipping ${sc.id}: no context at ${ctx}`);
      continue;
    }
    if (sc.commands) {
      rows.push(...(await runCommands(engines, sc, ctx, runs, rounds)));
      writeFileSync(path.join(RESULTS, "partial.json"), JSON.stringify(rows, null, 2));
      continue;
    }
    for (const variant of sc.variants) {
      const row = { id: sc.id, title: sc.title, variant };
      const perRound = Object.fromEntries(engines.map((e) => [e.name, []]));
      for (let round = 1; round <= rounds; round++) {
        const order = round % 2 === 1 ? engines : [...engines].reverse();
        for (const engine of order) {
          console.log(`== ${sc.id} ${variant} ${engine.name} round ${round}/${rounds} (${runs} run${runs > 1 ? "s" : ""})`);
          perRound[engine.name].push(runVariant(engine, sc, ctx, variant, runs, round));
        }
      }
      for (const engine of engines) row[engine.name] = pooled(perRound[engine.name]);
      row.ratio = ratio(row.strata, row.buildkit);
      rows.push(row);
      writeFileSync(path.join(RESULTS, "partial.json"), JSON.stringify(rows, null, 2));
    }
  }
  for (const e of engines) for (const line of e.cleanup()) spawnSync("bash", ["-c", line]);
  console.log("");
  printTable(rows);
  // Containers (h-k): strata next to the Docker engine (`docker create`, `docker run`).
  let containerRows = [];
  if ((!opts.only || opts.only.some((o) => o === "containers" || CONTAINER_SCENARIOS.some((c) => c.startsWith(o)))) && existsSync(BIN)) {
    console.log("\n== containers");
    containerRows = containerScenarios({
      bin: BIN,
      busyboxTar: path.join(BENCH_TMP, "busybox.tar"),
      driver: opts.driver,
      docker: engines.some((e) => e.name === "buildkit"),
      runs,
      resultsDir: RESULTS,
      quick: opts.quick,
      only: opts.only,
    });
    console.log("");
    printContainerTable(containerRows);
  }
  const parser = runParserBench(opts);
  const registry = runRegistryBench(opts);
  const host = { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release() };
  const file = writeSummary(RESULTS, { startedAt, host, quick: opts.quick, runs, rounds, driver: opts.driver ?? "default", rows, containerRows, parser, registry });
  console.log(`\nresults: ${path.relative(REPO, file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
