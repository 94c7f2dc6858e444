import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxArchivePath, DOCKER, dockerRemoveImage, ensureBusyboxInDocker } from "@strata/testkit";
import { COMPAT_TMP } from "../compat/harness/context.js";
import { requireDockerAndRoot, SKIP_DOCKER } from "../compat/harness/require-docker.js";
import { ensureCliBuilt, strata, STRATA_BIN } from "../compat/harness/strata-cli.js";

/**
 * `images --format/--filter` and `inspect -f` against Docker on the same scenario: several tags
 * of one image, a tag moved to a new build (the old image dangling), an untagged build. Every
 * image built here carries the labels `run=<this run>` and `t=<name>`, so the comparison sees
 * only this test's images (the daemon is shared) and names them the same in both engines.
 */
describe.skipIf(SKIP_DOCKER)("images --format and --filter as Docker's (needs Docker + root)", () => {
  const run = randomBytes(4).toString("hex");
  const repo = `strata-images-${run}`;
  let tmp: string;
  let root: string;
  const dockerTags: string[] = [];

  /** Builds the same Dockerfile with both engines; `tags` may be empty (an untagged build). */
  async function buildBoth(name: string, tags: string[], extra = ""): Promise<void> {
    const ctx = path.join(tmp, name);
    await mkdir(ctx, { recursive: true });
    await writeFile(path.join(ctx, "Dockerfile"), `FROM busybox\nLABEL run=${run} t=${name}${extra ? ` ${extra}` : ""}\nRUN echo ${name} > /name\n`);
    const tagArgs = tags.flatMap((t) => ["-t", t]);
    await execa(DOCKER, ["build", "--network=none", "-q", ...tagArgs, ctx], { env: { DOCKER_BUILDKIT: "1" } });
    await strata(root, undefined, ["build", "-q", ...tagArgs, ctx]);
    dockerTags.push(...tags);
    // Distinct creation times, so "newest first" orders both engines' lists the same way.
    await new Promise((r) => setTimeout(r, 1100));
  }

  const docker = async (args: string[]) => (await execa(DOCKER, args)).stdout;
  const ours = async (args: string[]) => (await strata(root, undefined, args)).stdout;

  /** `images` rows as `<t label> repo:tag`, this run's images only. */
  async function rows(engine: "docker" | "strata", filters: string[], format = "{{.ID}} {{.Repository}}:{{.Tag}}"): Promise<string[]> {
    const exec = engine === "docker" ? docker : ours;
    const args = ["images", "--no-trunc", "--filter", `label=run=${run}`, ...filters.flatMap((f) => ["--filter", f]), "--format", format];
    const out = (await exec(args)).split("\n").filter(Boolean);
    const named: string[] = [];
    for (const line of out) {
      const [id, rest] = [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)];
      const label = (await exec(["inspect", "-f", '{{index .Config.Labels "t"}}', id])).trim();
      named.push(`${label} ${rest.replaceAll(repo, "REPO")}`);
    }
    return named;
  }

  beforeAll(async () => {
    await requireDockerAndRoot();
    await ensureBusyboxInDocker();
    await mkdir(COMPAT_TMP, { recursive: true });
    tmp = await mkdtemp(path.join(COMPAT_TMP, "images-"));
    root = path.join(tmp, "root");
    await ensureCliBuilt();
    await strata(root, undefined, ["load", "-i", (await busyboxArchivePath()).file]);
    await buildBoth("one", [`${repo}:1`, `${repo}:2`, `${repo}-other:latest`], "x=1");
    await buildBoth("two", [`${repo}:moving`]);
    await buildBoth("three", [`${repo}:moving`], "x=3"); // "two" is left dangling
    await buildBoth("four", []); // untagged: dangling from the start
    await buildBoth("five", [`${repo}:5`]);
  }, 600_000);

  afterAll(async () => {
    for (const t of dockerTags) await dockerRemoveImage(t);
    const dangling = await execa(DOCKER, ["images", "-q", "--filter", `label=run=${run}`], { reject: false });
    for (const id of new Set(dangling.stdout.split("\n").filter(Boolean))) await dockerRemoveImage(id);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it.each([
    ["every image", []],
    ["reference by repository", [`reference=${repo}`]],
    ["reference with a wildcard tag", [`reference=${repo}:[12]`]],
    ["reference by a pattern of names", [`reference=${repo}-*`]],
    ["two references (either)", [`reference=${repo}:1`, `reference=${repo}:5`]],
    ["dangling=true", ["dangling=true"]],
    ["dangling=false", ["dangling=false"]],
    ["label with a value", ["label=x=3"]],
    ["label key only", ["label=x"]],
    ["before", [`before=${repo}:moving`]],
    ["since", [`since=${repo}:1`]],
    ["since and reference", [`since=${repo}:1`, `reference=${repo}`]],
  ])("%s", async (_name, filters) => {
    const expected = await rows("docker", filters as string[]);
    expect(expected.length, "the scenario gives Docker rows to compare").toBeGreaterThan(0);
    const got = await rows("strata", filters as string[]);
    // Images newest first; the order of one image's tags is not stable in Docker's output.
    const images = (list: string[]) => list.map((r) => r.split(" ")[0]).filter((n, i, all) => all.indexOf(n) === i);
    expect(images(got)).toEqual(images(expected));
    expect([...got].sort()).toEqual([...expected].sort());
  });

  it("prints the default table, a custom table and JSON with Docker's fields", async () => {
    const format = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.Size}}\t{{.Containers}}";
    const filter = ["--filter", `reference=${repo}:1`];
    const clean = (s: string) => s.replaceAll(repo, "REPO");
    expect(clean(await ours(["images", ...filter, "--format", format]))).toBe(clean(await docker(["images", ...filter, "--format", format])));
    // Column titles (their widths depend on how long ago each engine built: the CREATED column).
    const header = (s: string) => s.split("\n")[0]!.split(/\s{2,}/);
    expect(header(await ours(["images", ...filter]))).toEqual(header(await docker(["images", ...filter])));
    const fields = (s: string) => Object.keys(JSON.parse(s.split("\n")[0]!)).join(",");
    expect(fields(await ours(["images", ...filter, "--format", "{{json .}}"]))).toBe(fields(await docker(["images", ...filter, "--format", "{{json .}}"])));
    expect(await ours(["images", ...filter, "--format", "{{.Digest}} {{json .Digest}}"])).toBe(await docker(["images", ...filter, "--format", "{{.Digest}} {{json .Digest}}"]));
  });

  it("-q lists each image ID once", async () => {
    const ids = (await ours(["images", "-q", "--filter", `label=run=${run}`])).split("\n").filter(Boolean);
    expect(ids.length).toBe(5);
    expect(new Set(ids).size).toBe(5);
    expect(ids.every((id) => /^[0-9a-f]{12}$/.test(id))).toBe(true);
  });

  it.each([
    "{{.Config.Env}}",
    "{{.Config.Cmd}} {{.Config.Entrypoint}} {{.Config.Volumes}} {{.Config.Labels}}",
    '{{index .Config.Labels "t"}} {{json .Config.Labels}}',
    "{{.Os}}/{{.Architecture}} {{len .RootFS.Layers}} {{.RootFS.Type}}",
    "{{range .RepoTags}}{{.}},{{end}}",
    "{{json .Config.Entrypoint}} {{json .Config.OnBuild}} {{.Config.WorkingDir}}|{{.Config.User}}|",
    "{{if .Config.Cmd}}cmd {{join .Config.Cmd \" \"}}{{else}}none{{end}}",
  ])("inspect -f '%s' prints what Docker prints", async (format) => {
    const ref = `${repo}:1`;
    const clean = (s: string) => s.replaceAll(repo, "REPO");
    expect(clean(await ours(["inspect", "-f", format, ref]))).toBe(clean(await docker(["inspect", "-f", format, ref])));
  });

  it("inspect of the busybox base matches Docker's Size and sorts RepoTags", async () => {
    const format = "{{.Size}} {{.VirtualSize}} {{.Id}}";
    expect(await ours(["inspect", "-f", format, "busybox"])).toBe(await docker(["inspect", "-f", format, "busybox"]));
  });

  it("rejects an unknown filter and a bad dangling value with one line", async () => {
    for (const bad of ["nope=1", "dangling=maybe"]) {
      const res = await execa(STRATA_BIN, ["--root", root, "images", "--filter", bad], { reject: false });
      expect(res.exitCode).toBe(1);
      expect(res.stderr.trim().split("\n")).toHaveLength(1);
      expect(res.stderr).toMatch(/invalid filter/);
    }
  });
});
