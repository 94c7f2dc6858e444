// The bench scenarios of issue #3, as data: what to build, from where, and which variants to time.
import path from "node:path";
import { bigFileContext, manyFilesContext, parallelStagesContext, runsOnBaseContext } from "./fixtures.mjs";

/**
 * builds: timed, in order. setupBuilds: built untimed before each run (a base image the timed
 * builds start FROM). variants: cold (always), warm, one-file-change (changes `changeFile`), rss.
 */
export function scenarios(repoRoot) {
  const cow = path.join(repoRoot, "examples/cow-test");
  return [
    {
      id: "a-cow-test",
      title: "(a) cow-test base + final",
      context: async () => cow,
      builds: [
        { dockerfile: "Dockerfile.base", tag: "acme/my-base-image:1.0" },
        { dockerfile: "Dockerfile", tag: "acme/my-final-image:1.0" },
      ],
      variants: ["cold"],
    },
    {
      id: "b-copy-20k",
      title: "(b) COPY 20,000 files (~200 MB) + RUN",
      context: manyFilesContext,
      builds: [{ dockerfile: "Dockerfile", tag: "bench/copy-20k" }],
      variants: ["cold", "warm", "one-file-change"],
      changeFile: "changing.txt",
    },
    {
      id: "c-copy-1g",
      title: "(c) COPY one 1 GiB file",
      context: bigFileContext,
      builds: [{ dockerfile: "Dockerfile", tag: "bench/copy-1g" }],
      variants: ["cold", "warm", "rss"],
    },
    ...[100_000, 100].map((n) => ({
      id: `d-runs-${n}`,
      title: `(d) 5 RUNs changing one file, base of ${n.toLocaleString("en")} files`,
      context: () => runsOnBaseContext(n),
      setupBuilds: [{ dockerfile: "Dockerfile.base", tag: `bench/base-${n}` }],
      builds: [{ dockerfile: "Dockerfile", tag: `bench/runs-${n}` }],
      variants: ["cold"],
    })),
    {
      id: "e-parallel-stages",
      title: "(e) 3 independent CPU-bound stages + final",
      context: parallelStagesContext,
      builds: [{ dockerfile: "Dockerfile", tag: "bench/parallel" }],
      variants: ["cold", "warm"],
    },
  ];
}
