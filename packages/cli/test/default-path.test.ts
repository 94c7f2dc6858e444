import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildBusyboxArchive } from "@strata/testkit";
import { cleanup, makeContext, strata, tempDir } from "./helpers.js";

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * BuildKit's default-PATH rule at FROM (moby/buildkit dispatchStages): a base whose Env has no
 * PATH gets the default appended, so RUN finds commands and the image config carries it; an
 * existing PATH, even an empty one, is kept as it is. The compat suite checks the same against
 * Docker on a `docker import`ed base.
 */
describe("default PATH at FROM", () => {
  const dirs: string[] = [];
  afterAll(() => cleanup(...dirs));

  async function buildOn(env: string[] | undefined, dockerfileTail: string) {
    const root = await tempDir("root");
    const archive = path.join(root, "..", `${path.basename(root)}-base.tar`);
    dirs.push(root, archive);
    await buildBusyboxArchive(archive, { tag: "base:latest", containerConfig: env === undefined ? {} : { Env: env } });
    expect((await strata(root, ["load", "-i", archive])).exitCode).toBe(0);
    const ctx = await makeContext({ Dockerfile: `FROM base\n${dockerfileTail}` });
    dirs.push(ctx);
    const built = await strata(root, ["build", "-t", "out", ctx]);
    expect(built.exitCode, built.all).toBe(0);
    const envJson = (await strata(root, ["inspect", "-f", "{{json .Config.Env}}", "out"])).stdout;
    return { root, env: JSON.parse(envJson) as string[] | null };
  }

  it("appends the default PATH to a base without Env, before what the Dockerfile sets, and RUN sees it", async () => {
    const { env } = await buildOn(undefined, "ENV A=1\nRUN test \"$PATH\" = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin && ls >/dev/null\n");
    expect(env).toEqual([DEFAULT_PATH, "A=1"]);
  });

  it("appends it after the base's other variables", async () => {
    const { env } = await buildOn(["X=1", "Y=2"], "ENV Z=3\n");
    expect(env).toEqual(["X=1", "Y=2", DEFAULT_PATH, "Z=3"]);
  });

  it("keeps an existing PATH, even an empty one", async () => {
    expect((await buildOn(["PATH=/opt/bin"], "LABEL a=b\n")).env).toEqual(["PATH=/opt/bin"]);
    expect((await buildOn(["PATH="], "LABEL a=b\n")).env).toEqual(["PATH="]);
  });

  it("expands $PATH in ENV against the default", async () => {
    const { env } = await buildOn(undefined, "ENV PATH=$PATH:/extra\n");
    expect(env).toEqual([`${DEFAULT_PATH}:/extra`]);
  });
});
