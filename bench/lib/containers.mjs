// Container scenarios (issues 13, 14): strata side by side with the Docker engine on this machine.
//   h  200 `create` calls from one image: time per call, disk added per created container
//   i  `run --rm IMAGE true` latency
//   j  `ps -a -s` with 200 containers that have run (each with a writable layer)
//   k  1 GiB written with dd from inside a container: into a volume vs into the writable layer
// Docker objects are named strata-ctr-bench-* and removed afterwards (the daemon is shared).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { BENCH_TMP } from "./fixtures.mjs";
import { measure } from "./hyperfine.mjs";

const q = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
const DOCKER = "/usr/bin/docker";
const PREFIX = "strata-ctr-bench";

function sh(script) {
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script.slice(0, 200)}: ${(r.stderr || r.stdout).slice(-2000)}`);
  return r.stdout.trim();
}

const duBytes = (dirs) => Number(sh(`du -s -B1 -c ${dirs.map(q).join(" ")} 2>/dev/null | tail -1 | cut -f1`));
const dockerRoot = () => sh(`${DOCKER} info --format '{{.DockerRootDir}}'`);
const dockerRemoveAll = `ids=$(${DOCKER} ps -aq --filter name=${PREFIX}); [ -z "$ids" ] || ${DOCKER} rm -f $ids >/dev/null`;

export const CONTAINER_SCENARIOS = ["h-create", "i-run-rm", "j-ps-s", "k-dd"];

export function containerScenarios({ bin, busyboxTar, driver, docker, runs, resultsDir, quick, only }) {
  const wanted = (id) => !only || only.some((o) => id.startsWith(o) || o === "containers");
  const root = path.join(BENCH_TMP, "ctr-root");
  const strata = (args) => [q(bin), "--root", q(root), ...(driver ? ["--storage-driver", driver] : []), ...args].join(" ");
  const fresh = [`rm -rf ${q(root)}`, `${strata(["load", "-i", q(busyboxTar)])} >/dev/null`];
  const rmStrataAll = `ids=$(${strata(["ps", "-aq"])}); [ -z "$ids" ] || ${strata(["rm", "-f"])} $ids >/dev/null`;
  const N = 200;
  const rows = [];
  const pair = (id, title, variant, s, d, unit = "s") => {
    const ratio = s?.median !== undefined && d?.median ? s.median / d.median : undefined;
    rows.push({ id, title, variant, unit, strata: s, docker: d, ratio });
  };

  // h: 200 creates
  if (wanted("h-create")) {
    const loop = (cmd) => [`for i in $(seq ${N}); do ${cmd} >/dev/null; done`];
    const s = measure({ id: "h-create.strata", prepare: fresh, command: loop(strata(["create", "--name", "c$i", "busybox", "true"])), runs, resultsDir });
    const d = docker
      ? measure({ id: "h-create.docker", prepare: [dockerRemoveAll], command: loop(`${DOCKER} create --name ${PREFIX}-$i busybox true`), runs, resultsDir })
      : undefined;
    const perCall = (r) => r && (r.error ? r : { ...r, median: r.median / N, mean: r.mean / N, min: r.min / N, max: r.max / N, times: r.times.map((t) => t / N) });
    pair("h-create", `(h) ${N} creates from one image, per call`, "time", perCall(s), perCall(d));
    // Disk per created, unmodified container: du growth of the store over N creates.
    sh(fresh.join(" && "));
    const before = duBytes([root]);
    sh(loop(strata(["create", "busybox", "true"])).join("\n"));
    const strataDisk = (duBytes([root]) - before) / N;
    let dockerDisk;
    if (docker) {
      sh(dockerRemoveAll);
      const dirs = ["containers", "overlay2", "image"].map((d) => path.join(dockerRoot(), d));
      const b = duBytes(dirs);
      sh(loop(`${DOCKER} create --name ${PREFIX}-disk-$i busybox true`).join("\n"));
      dockerDisk = (duBytes(dirs) - b) / N;
      sh(dockerRemoveAll);
    }
    pair("h-create", `(h) disk per created container`, "KiB", { median: strataDisk / 1024 }, dockerDisk === undefined ? undefined : { median: dockerDisk / 1024 }, "KiB");
  }

  // i: run --rm true
  if (wanted("i-run-rm")) {
    const s = measure({ id: "i-run-rm.strata", setup: fresh, command: [strata(["run", "--rm", "busybox", "true"])], runs: runs * 5, resultsDir });
    const d = docker ? measure({ id: "i-run-rm.docker", command: [`${DOCKER} run --rm --network=none busybox true`], runs: runs * 5, resultsDir }) : undefined;
    pair("i-run-rm", "(i) run --rm busybox true", "latency", s, d);
  }

  // j: ps -s with 200 containers that have run
  if (wanted("j-ps-s")) {
    const n = quick ? 50 : N;
    sh([...fresh, `for i in $(seq ${n}); do ${strata(["run", "-d", "--name", "p$i", "busybox", "true"])} >/dev/null; done`, "sleep 2"].join("\n"));
    const s = measure({ id: "j-ps-s.strata", command: [`${strata(["ps", "-a", "-s"])} >/dev/null`], runs: runs * 3, resultsDir });
    let d;
    if (docker) {
      sh([dockerRemoveAll, `for i in $(seq ${n}); do ${DOCKER} run -d --network=none --name ${PREFIX}-ps-$i busybox true >/dev/null; done`].join("\n"));
      d = measure({ id: "j-ps-s.docker", command: [`${DOCKER} ps -a -s --filter name=${PREFIX} >/dev/null`], runs: runs * 3, resultsDir });
      sh(dockerRemoveAll);
    }
    pair("j-ps-s", `(j) ps -a -s with ${n} containers`, "time", s, d);
    sh(rmStrataAll);
  }

  // k: 1 GiB written with dd inside a container, into a volume and into the writable layer. What
  // is timed is dd itself (busybox's time applet, fsync included), not the container's start.
  if (wanted("k-dd")) {
    const mib = quick ? 256 : 1024;
    const rounds = Math.max(3, runs);
    // busybox's `time` applet (Debian's busybox dd prints no rate): "real 0m 1.23s".
    const dd = (target) => `time dd if=/dev/zero of=${target} bs=1M count=${mib} conv=fsync 2>&1`;
    const seconds = (out) => {
      const m = /real\s+(\d+)m\s*([\d.]+)s/.exec(out);
      if (!m) throw new Error(`no time in: ${out}`);
      return Number(m[1]) * 60 + Number(m[2]);
    };
    const timed = (label, cmd) => {
      try {
        const times = [];
        for (let r = 0; r < rounds; r++) times.push(seconds(sh(cmd)));
        times.sort((x, y) => x - y);
        return { median: times[times.length >> 1], times };
      } catch (e) {
        return { error: `${label}: ${e.message}` };
      }
    };
    sh(fresh.join(" && "));
    const sVolume = timed("strata volume", `${strata(["volume", "rm", "-f", "ddvol"])} >/dev/null; ${strata(["run", "--rm", "-v", "ddvol:/data", "busybox", "sh", "-c", q(dd("/data/f"))])}`);
    const sLayer = timed("strata layer", strata(["run", "--rm", "busybox", "sh", "-c", q(dd("/f"))]));
    let dVolume;
    let dLayer;
    if (docker) {
      const vol = `${PREFIX}-ddvol`;
      dVolume = timed("docker volume", `${DOCKER} volume rm -f ${vol} >/dev/null; ${DOCKER} run --rm --network=none -v ${vol}:/data busybox sh -c ${q(dd("/data/f"))}`);
      dLayer = timed("docker layer", `${DOCKER} run --rm --network=none busybox sh -c ${q(dd("/f"))}`);
      sh(`${DOCKER} volume rm -f ${vol} >/dev/null`);
    }
    const hostFile = path.join(BENCH_TMP, "dd-host");
    const hostRun = timed("host", `rm -f ${q(hostFile)}; busybox sh -c ${q(dd(q(hostFile)))}`);
    sh(`rm -f ${q(hostFile)}`);
    pair("k-dd", `(k) dd ${mib} MiB into a volume (dd's time)`, "time", sVolume, dVolume);
    pair("k-dd", `(k) dd ${mib} MiB into the writable layer`, "time", sLayer, dLayer);
    pair("k-dd", `(k) dd ${mib} MiB on the host (busybox dd)`, "time", hostRun, undefined);
  }

  sh(`rm -rf ${q(root)}`);
  return rows;
}

export function printContainerTable(rows) {
  const fmt = (r, unit) => (r?.error ? "error" : r?.median === undefined ? "-" : unit === "KiB" ? `${r.median.toFixed(1)} KiB` : `${(r.median * 1000).toFixed(1)} ms`);
  const header = ["scenario", "variant", "strata", "docker", "strata/docker"];
  const lines = rows.map((r) => [r.title, r.variant, fmt(r.strata, r.unit), fmt(r.docker, r.unit), r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : "-"]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cols) => cols.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(line(l));
  for (const r of rows) for (const side of ["strata", "docker"]) if (r[side]?.error) console.log(`\n${r.id}/${side}: ${r[side].error}`);
}
