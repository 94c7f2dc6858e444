// The bench scenarios of issue #3, as data: what to build, from where, and which variants to time.
import path from "node:path";
import { bigFileContext, manyFilesContext, manyFilesPairContexts, parallelStagesContext, runsOnBaseContext } from "./fixtures.mjs";

/**
 * A scenario either times builds or, with `commands`, strata commands run against images it
 * builds untimed first (strata only: no Docker counterpart).
 *
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
    {
      id: "f-compare-20k",
      title: "(f) compare two 20,000-file images, one file differs",
      context: async () => (await manyFilesPairContexts()).a,
      setupBuilds: [{ dockerfile: "Dockerfile.copy-only", tag: "bench/files-a" }],
      setupCommands: async (strata) => {
        const { b } = await manyFilesPairContexts();
        return [strata(["build", "-q", "-t", "bench/files-b", b]) + " >/dev/null"];
      },
      // compare exits 1: the images differ.
      commands: { compare: (strata) => [`${strata(["compare", "bench/files-a", "bench/files-b"])} >/dev/null || test $? -eq 1`] },
    },
    {
      id: "g-analyze-20k",
      title: "(g) analyze the 20,000-file image",
      context: async () => (await manyFilesPairContexts()).a,
      setupBuilds: [{ dockerfile: "Dockerfile.copy-only", tag: "bench/files-a" }],
      commands: { analyze: (strata) => [`${strata(["analyze", "bench/files-a"])} >/dev/null`] },
    },
  ];
}
