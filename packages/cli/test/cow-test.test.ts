import { afterAll, describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { REPO, cleanup, rootWithBusybox, strata } from "./helpers.js";

const example = path.join(REPO, "examples/cow-test");

describe("examples/cow-test: images share their base layers, stored once (needs root + runc)", () => {
  const dirs: string[] = [];
  afterAll(() => cleanup(...dirs));

  it.each(["overlay", "native"] as const)("with the %s driver", async (driver) => {
    const root = await rootWithBusybox(driver);
    dirs.push(root);
    const base = await strata(root, ["build", "-t", "acme/my-base-image:1.0", "-f", path.join(example, "Dockerfile.base"), example]);
    expect(base.exitCode, base.all).toBe(0);
    const final = await strata(root, ["build", "-t", "acme/my-final-image:1.0", "-f", path.join(example, "Dockerfile"), example]);
    expect(final.exitCode, final.all).toBe(0);

    const inspect = async (ref: string) => JSON.parse((await strata(root, ["inspect", ref])).stdout)[0];
    const baseLayers: string[] = (await inspect("acme/my-base-image:1.0")).RootFS.Layers;
    const finalImage = await inspect("acme/my-final-image:1.0");
    expect(baseLayers).toHaveLength(2);
    expect(finalImage.RootFS.Layers).toEqual(baseLayers);
    expect(finalImage.Config.Cmd).toEqual(["/bin/sh", "-c", "/app/hello.sh"]);

    const history = await strata(root, ["history", "--no-trunc", "acme/my-final-image:1.0"]);
    for (const layer of baseLayers) expect(history.stdout).toContain(layer);
    expect(history.stdout).toContain('CMD ["/bin/sh" "-c" "/app/hello.sh"]');

    const blobs = await readdir(path.join(root, "blobs/sha256"));
    for (const layer of baseLayers) expect(blobs.filter((b) => b === layer.slice(7))).toHaveLength(1);

    const rmi = await strata(root, ["rmi", "acme/my-final-image:1.0"]);
    expect(rmi.exitCode, rmi.all).toBe(0);
    const after = await readdir(path.join(root, "blobs/sha256"));
    for (const layer of baseLayers) expect(after).toContain(layer.slice(7));
  });
});
