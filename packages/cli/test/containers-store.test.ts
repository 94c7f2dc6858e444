import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, makeContext, rootWithBusybox, storeProblems, strata } from "./helpers.js";
import { removeAllContainers } from "./container-helpers.js";

describe("containers and the store: rmi, GC, system df (needs root, runc, conmon)", () => {
  let root: string;
  let ctx: string;
  beforeAll(async () => {
    root = await rootWithBusybox();
    ctx = await makeContext({ Dockerfile: "FROM busybox\nRUN echo layer > /layer\n" });
    const b = await strata(root, ["build", "-q", "-t", "strata-test/app:1", ctx]);
    expect(b.exitCode, b.all).toBe(0);
  });
  afterAll(async () => {
    const left = await removeAllContainers(root);
    await cleanup(root, ctx);
    expect(left).toEqual({ mounts: [], processes: [] });
  });

  it("rmi of an image a container uses is refused; -f only untags; GC keeps its layers; the container still runs", async () => {
    await strata(root, ["create", "--name", "user", "strata-test/app:1", "cat", "/layer"]);
    const id = (await strata(root, ["inspect", "-f", "{{.Id}}", "strata-test/app:1"])).stdout;
    const blobs = await readdir(path.join(root, "blobs/sha256"));

    const refused = await strata(root, ["rmi", "strata-test/app:1"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/conflict: unable to remove repository reference "strata-test\/app:1" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}/);
    expect((await strata(root, ["images", "-q", "strata-test/app"])).stdout).not.toBe("");

    const forced = await strata(root, ["rmi", "-f", "strata-test/app:1"]);
    expect(forced.exitCode, forced.all).toBe(0);
    expect(forced.stdout).toBe("Untagged: strata-test/app:1");
    expect((await strata(root, ["images", "--filter", "dangling=true", "-q", "--no-trunc"])).stdout).toContain(id);
    expect(await readdir(path.join(root, "blobs/sha256"))).toEqual(blobs);
    await strata(root, ["builder", "prune", "-a"]);
    expect((await readdir(path.join(root, "blobs/sha256"))).filter((b) => blobs.includes(b))).toHaveLength(blobs.length);
    // ps shows the image by ID once its name is gone, and the container still starts.
    expect((await strata(root, ["ps", "-a", "--format", "{{.Image}}"])).stdout).toBe(id.slice(7, 19));
    const run = await strata(root, ["start", "-a", "user"]);
    expect([run.exitCode, run.stdout]).toEqual([0, "layer"]);
    expect(await storeProblems(root)).toEqual([]);

    // An image ID a running container uses cannot be removed, even forced.
    await strata(root, ["run", "-d", "--name", "running", id, "sleep", "1000"]);
    const running = await strata(root, ["rmi", "-f", id]);
    expect(running.exitCode).toBe(1);
    expect(running.stderr).toContain("(cannot be forced) - image is being used by running container");

    // Once no container uses it, the image goes, and GC frees what only it held.
    await strata(root, ["rm", "-f", "user", "running"]);
    const gone = await strata(root, ["rmi", id]);
    expect(gone.exitCode, gone.all).toBe(0);
    expect(gone.stdout).toContain(`Deleted: ${id}`);
    expect((await readdir(path.join(root, "blobs/sha256"))).length).toBeLessThan(blobs.length);
    expect(await storeProblems(root)).toEqual([]);
    const meta = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(path.join(root, "snapshots/metadata.json"), "utf8")));
    // Only busybox's layer (and its init layer, still usable) remain.
    expect(Object.keys(meta.snapshots).every((k) => k.includes("sha256:eb67a7f9") || k.startsWith("init:"))).toBe(true);
  });

  it("system df counts shared image bytes once and each container's writable layer", async () => {
    for (const n of [1, 2, 3]) await strata(root, ["run", "-d", "--name", `df${n}`, "busybox", "sh", "-c", `head -c ${n * 1000} /dev/zero > /f; sleep 1000`]);
    await strata(root, ["create", "--name", "df-created", "busybox", "true"]);
    await new Promise((r) => setTimeout(r, 500));
    const df = (await strata(root, ["system", "df"])).stdout.split("\n");
    expect(df[0]).toMatch(/^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$/);
    const row = (type: string) => df.find((l) => l.startsWith(type))!.slice(type.length).trim().split(/ {2,}/);
    const imageSize = (await strata(root, ["images", "--format", "{{.Size}}", "busybox"])).stdout;
    expect(row("Images")).toEqual(["1", "1", imageSize, "0B (0%)"]);
    expect(row("Containers")).toEqual(["4", "3", "6kB", "0B (0%)"]);
    expect(row("Local Volumes")).toEqual(["0", "0", "0B", "0B"]);
    await strata(root, ["stop", "-t", "0", "df3"]);
    expect((await strata(root, ["system", "df"])).stdout).toMatch(/Containers +4 +2 +6kB +3kB \(50%\)/);
    const v = (await strata(root, ["system", "df", "-v"])).stdout;
    expect(v).toContain("Images space usage:");
    expect(v).toMatch(/Containers space usage:\n\nCONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES\n/);
    expect(v).toMatch(/ df2\n|df2$/m);
    expect(v).toContain("Local Volumes space usage:");
    expect(v).toContain("Build cache usage:");
    await strata(root, ["rm", "-f", "df1", "df2", "df3", "df-created"]);
  });
});
