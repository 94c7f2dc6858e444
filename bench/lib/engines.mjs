// Shell lines that drive each engine: strata (fresh --root) and Docker BuildKit.
import path from "node:path";

const q = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
/** Every build is bounded, so one hung build fails its measurement instead of the whole run. */
const TIMEOUT = `timeout ${Number(process.env.STRATA_BENCH_TIMEOUT_S ?? 1800)}`;

export function strataEngine({ bin, root, busyboxTar, driver }) {
  const strata = (args) => [q(bin), "--root", q(root), ...(driver ? ["--storage-driver", driver] : []), ...args].join(" ");
  const buildArgv = (ctx, b, noCache) => [
    bin, "--root", root, ...(driver ? ["--storage-driver", driver] : []),
    "build", ...(noCache ? ["--no-cache"] : []), "-t", b.tag, "-f", path.join(ctx, b.dockerfile), ctx,
  ];
  return {
    name: "strata",
    /** Untimed: a fresh root with the busybox base, then the scenario's base images. */
    fresh: (ctx, setupBuilds = []) => [
      `rm -rf ${q(root)}`,
      strata(["load", "-i", q(busyboxTar)]) + " >/dev/null",
      ...setupBuilds.map((b) => buildArgv(ctx, b, false).map(q).join(" ") + " >/dev/null"),
    ],
    build: (ctx, b, { noCache }) => `${TIMEOUT} ${buildArgv(ctx, b, noCache).map(q).join(" ")}`,
    buildArgv,
    /** A shell line running `strata ARGS…` on this engine's root. */
    command: (args) => `${TIMEOUT} ${strata(args.map(q))}`,
    cleanup: () => [`rm -rf ${q(root)}`],
  };
}

export function dockerEngine({ docker = "/usr/bin/docker" } = {}) {
  const build = (ctx, b, noCache) =>
    ["DOCKER_BUILDKIT=1", TIMEOUT, q(docker), "build", "--network=none", "-q", ...(noCache ? ["--no-cache"] : []), "-t", q(b.tag), "-f", q(path.join(ctx, b.dockerfile)), q(ctx)].join(" ");
  return {
    name: "buildkit",
    /** Untimed: the scenario's base images, then an empty build cache. */
    fresh: (ctx, setupBuilds = []) => [
      ...setupBuilds.map((b) => build(ctx, b, false) + " >/dev/null"),
      `${q(docker)} builder prune -af >/dev/null`,
    ],
    build: (ctx, b, { noCache }) => build(ctx, b, noCache),
    // Every --no-cache build leaves the previous image dangling; left alone they fill the disk.
    cleanup: () => [`${q(docker)} image prune -f >/dev/null`],
  };
}
