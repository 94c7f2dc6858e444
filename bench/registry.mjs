#!/usr/bin/env node
// Registry benchmarks (issue #16): push, pull and a no-op re-push of the 20,000-file image and
// the 1 GiB image, strata side by side with `docker push`/`docker pull` and `skopeo copy`
// against one local docker-registry on 127.0.0.1.
//   node bench/registry.mjs [--quick] [--only 20k,1g] [--runs N] [--rounds R] [--no-build]
// Results: bench/results/registry-*.json (gitignored).
//
// Cold push: the registry's storage is wiped before each run (and strata forgets the compressed
// digests it remembers), so every engine compresses and uploads every layer. Pull: into an
// empty strata root / after `docker rmi` / into an empty skopeo `oci:` directory; all three pull
// the image strata pushed. Docker's pull includes extracting the layers, and so does strata's
// (into snapshots); skopeo only downloads. No-op re-push: the same push again.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_TMP, bigFileContext, manyFilesContext } from "./lib/fixtures.mjs";
import { measure } from "./lib/hyperfine.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = path.join(REPO, "bench/results");
const BIN = path.join(REPO, "packages/cli/bin/strata");
const DOCKER = "/usr/bin/docker";
const q = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
const ENGINES = ["strata", "docker", "skopeo"];

function parseArgs(argv) {
  const opts = { quick: false, only: undefined, runs: undefined, rounds: undefined, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") opts.quick = true;
    else if (a === "--no-build") opts.build = false;
    else if (a === "--only") opts.only = argv[++i].split(",");
    else if (a === "--runs") opts.runs = Number(argv[++i]);
    else if (a === "--rounds") opts.rounds = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function sh(line) {
  const r = spawnSync("bash", ["-c", line], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${line}\n${r.stdout}${r.stderr}`.slice(-3000));
  return r.stdout;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const runs = opts.runs ?? (opts.quick ? 1 : 3);
  const rounds = opts.rounds ?? (opts.quick ? 1 : 2);
  mkdirSync(RESULTS, { recursive: true });
  if (opts.build) sh(`cd ${q(REPO)} && npm run -s build`);
  const testkit = await import(path.join(REPO, "packages/testkit/dist/index.js"));
  await testkit.ensureBusyboxInDocker();
  const busyboxTar = path.join(BENCH_TMP, "busybox.tar");
  await testkit.buildBusyboxArchive(busyboxTar);
  const reg = await testkit.TestRegistry.start();
  const work = path.join(BENCH_TMP, "registry");
  sh(`rm -rf ${q(work)} && mkdir -p ${q(work)}`);
  const wipeRegistry = `rm -rf ${q(path.join(reg.storage, "docker"))}`;
  const rows = [];
  const dockerImages = [];
  const scenarios = [
    { id: "20k", title: "20,000-file image (~200 MB)", context: manyFilesContext },
    { id: "1g", title: "1 GiB image (incompressible)", context: bigFileContext },
  ].filter((s) => !opts.only || opts.only.includes(s.id));
  try {
    for (const sc of scenarios) {
      const ctx = await sc.context();
      const root = path.join(work, `root-${sc.id}`);
      const pullRoot = path.join(work, `pull-${sc.id}`);
      const ociDir = path.join(work, `oci-${sc.id}`);
      const strataImage = `${reg.host}/strata-registry-bench/${sc.id}:1`;
      const dockerImage = `${reg.host}/strata-registry-bench-docker/${sc.id}:1`;
      const skopeoTarget = `${reg.host}/strata-registry-bench-skopeo/${sc.id}:1`;
      const strata = (r, args) => [q(BIN), "--root", q(r), ...args].join(" ");
      console.log(`== ${sc.id}: building with strata and Docker (untimed)`);
      sh(`rm -rf ${q(root)} && ${strata(root, ["load", "-i", q(busyboxTar)])} >/dev/null && ${strata(root, ["build", "-q", "-t", q(strataImage), q(ctx)])} >/dev/null`);
      sh(`DOCKER_BUILDKIT=1 ${DOCKER} build --network=none -q -t ${q(dockerImage)} ${q(ctx)} >/dev/null`);
      dockerImages.push(dockerImage, strataImage);
      // strata forgets which compressed digests it pushed: a cold push compresses again.
      const forget = `rm -rf ${q(path.join(root, "registry"))}`;
      const variants = {
        push: {
          strata: { prepare: [wipeRegistry, forget], command: [`${strata(root, ["push", "-q", q(strataImage)])} >/dev/null`] },
          docker: { prepare: [wipeRegistry], command: [`${DOCKER} push -q ${q(dockerImage)} >/dev/null`] },
          skopeo: { prepare: [wipeRegistry], command: [`skopeo copy -q --dest-tls-verify=false docker-daemon:${q(dockerImage)} docker://${q(skopeoTarget)}`] },
        },
        "no-op re-push": {
          strata: { setup: [`${strata(root, ["push", "-q", q(strataImage)])} >/dev/null`], command: [`${strata(root, ["push", "-q", q(strataImage)])} >/dev/null`] },
          docker: { setup: [`${DOCKER} push -q ${q(dockerImage)} >/dev/null`], command: [`${DOCKER} push -q ${q(dockerImage)} >/dev/null`] },
          skopeo: {
            setup: [`skopeo copy -q --dest-tls-verify=false docker-daemon:${q(dockerImage)} docker://${q(skopeoTarget)}`],
            command: [`skopeo copy -q --dest-tls-verify=false docker-daemon:${q(dockerImage)} docker://${q(skopeoTarget)}`],
          },
        },
        pull: {
          strata: { setup: [`${strata(root, ["push", "-q", q(strataImage)])} >/dev/null`], prepare: [`rm -rf ${q(pullRoot)}`], command: [`${strata(pullRoot, ["pull", "-q", q(strataImage)])} >/dev/null`] },
          docker: { setup: [`${strata(root, ["push", "-q", q(strataImage)])} >/dev/null`], prepare: [`${DOCKER} rmi -f ${q(strataImage)} >/dev/null 2>&1 || true`], command: [`${DOCKER} pull -q ${q(strataImage)} >/dev/null`] },
          skopeo: { setup: [`${strata(root, ["push", "-q", q(strataImage)])} >/dev/null`], prepare: [`rm -rf ${q(ociDir)}`], command: [`skopeo copy -q --src-tls-verify=false docker://${q(strataImage)} oci:${q(ociDir)}:1`] },
        },
      };
      for (const [variant, byEngine] of Object.entries(variants)) {
        const perEngine = Object.fromEntries(ENGINES.map((e) => [e, []]));
        for (let round = 1; round <= rounds; round++) {
          const order = round % 2 ? ENGINES : [...ENGINES].reverse();
          for (const engine of order) {
            const id = `registry.${sc.id}.${variant.replace(/\W+/g, "-")}.${engine}.r${round}`;
            console.log(`== ${id}`);
            const spec = byEngine[engine];
            const r = measure({ id, setup: spec.setup, prepare: spec.prepare, command: spec.command, runs, resultsDir: RESULTS });
            perEngine[engine].push(r);
          }
        }
        const row = { id: sc.id, title: sc.title, variant };
        for (const e of ENGINES) {
          const failed = perEngine[e].find((r) => r.error);
          row[e] = failed ?? { median: median(perEngine[e].flatMap((r) => r.times)), times: perEngine[e].flatMap((r) => r.times) };
        }
        rows.push(row);
      }
    }
  } finally {
    for (const image of dockerImages) spawnSync(DOCKER, ["rmi", "-f", image], { stdio: "ignore" });
    await reg.remove();
    sh(`rm -rf ${q(work)}`);
  }
  const fmt = (r) => (r?.median !== undefined ? `${r.median.toFixed(r.median < 1 ? 3 : 2)} s` : r?.error ? "error" : "-");
  const ratio = (a, b) => (a?.median !== undefined && b?.median ? `${(a.median / b.median).toFixed(2)}x` : "-");
  const header = ["image", "variant", "strata", "docker", "skopeo", "strata/docker", "strata/skopeo"];
  const lines = rows.map((r) => [r.title, r.variant, fmt(r.strata), fmt(r.docker), fmt(r.skopeo), ratio(r.strata, r.docker), ratio(r.strata, r.skopeo)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const print = (cols) => console.log(cols.map((c, i) => c.padEnd(widths[i])).join("  "));
  console.log("");
  print(header);
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  lines.forEach(print);
  for (const r of rows) for (const e of ENGINES) if (r[e]?.error) console.log(`\n${r.id}/${r.variant}/${e}: ${r[e].error}`);
  const startedAt = new Date().toISOString();
  const summary = { startedAt, quick: opts.quick, runs, rounds, host: { cpus: os.cpus().length, node: process.version }, rows };
  const file = path.join(RESULTS, `registry-${startedAt.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(summary, null, 2) + "\n");
  writeFileSync(path.join(RESULTS, "registry-latest.json"), JSON.stringify(summary, null, 2) + "\n");
  console.log(`\nresults: ${path.relative(REPO, file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
