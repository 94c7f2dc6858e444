import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BARE_BASE_TAG,
  busyboxArchivePath,
  compareFlattened,
  ensureBareBaseInDocker,
  ensureBusyboxInDocker,
  type FlattenedImage,
} from "@strata/testkit";
import { loadCases, type CompatCase } from "./harness/cases.js";
import { cleanupContexts, COMPAT_TMP, type CompatBase } from "./harness/context.js";
import { buildCaseWithDocker } from "./harness/docker-side.js";
import { COMPAT_IGNORE_PATHS } from "./harness/ignore-paths.js";
import { requireDockerAndRoot, SKIP_DOCKER } from "./harness/require-docker.js";
import { ensureCliBuilt } from "./harness/strata-cli.js";
import { buildCaseWithStrata, loadBaseIntoStrata, type StorageDriver } from "./harness/strata-side.js";

const cases = loadCases();
const CASE_TIMEOUT = 600_000;

/**
 * Every case on two bases: the project's busybox, and the same files with an empty config (no
 * Env, Cmd or WorkingDir: an image made by `docker import`), whose differences (default PATH,
 * owners) the busybox base would hide.
 */
const BASES: CompatBase[] = [{ name: "busybox" }, { name: "bare", tag: BARE_BASE_TAG }];

describe.skipIf(SKIP_DOCKER)("compat (needs Docker + root)", () => {
  let outDir: string;
  let bareArchive: string;
  const dockerImages = new Map<string, Promise<FlattenedImage>>();
  /** The Docker side of a case, built once per base and shared by both storage drivers. */
  const dockerImage = (c: CompatCase, base: CompatBase) => {
    const key = `${c.name}@${base.name}`;
    let p = dockerImages.get(key);
    if (!p) {
      p = buildCaseWithDocker(c, outDir, { base }).then((r) => r.image);
      dockerImages.set(key, p);
    }
    return p;
  };

  beforeAll(async () => {
    await requireDockerAndRoot();
    await ensureBusyboxInDocker();
    bareArchive = (await ensureBareBaseInDocker()).file;
    await mkdir(COMPAT_TMP, { recursive: true });
    outDir = await mkdtemp(path.join(COMPAT_TMP, "out-"));
    await ensureCliBuilt();
  });

  afterAll(async () => {
    await cleanupContexts();
    if (outDir && !process.env.STRATA_KEEP_COMPAT_OUTPUT) await rm(outDir, { recursive: true, force: true });
  });

  it("has at least 22 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(22);
  });

  describe.each(BASES.map((b) => [b.name, b] as const))("base %s", (_baseName, base) => {
    describe.each(["overlay", "native"] as StorageDriver[])("storage driver %s", (driver) => {
      let root: string;

      beforeAll(async () => {
        root = await mkdtemp(path.join(COMPAT_TMP, `root-${driver}-${base.name}-`));
        await loadBaseIntoStrata(root, driver, base.name === "busybox" ? (await busyboxArchivePath()).file : bareArchive);
      });

      afterAll(async () => {
        if (root && !process.env.STRATA_KEEP_COMPAT_OUTPUT) await rm(root, { recursive: true, force: true });
      });

      it.each(cases.map((c) => [c.name, c] as const))(
        "%s: strata matches Docker BuildKit",
        async (_name, c) => {
          const docker = await dockerImage(c, base);
          const { image: ours } = await buildCaseWithStrata(c, root, driver, outDir, base);
          expect(compareFlattened(docker, ours, { ignorePaths: COMPAT_IGNORE_PATHS, names: ["docker", "strata"] })).toEqual([]);
        },
        CASE_TIMEOUT,
      );
    });
  });
});
