import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxArchivePath, dockerLoad, dockerRemoveImage, dockerRun, ensureBusyboxInDocker } from "@strata/testkit";
import { COMPAT_TMP } from "../compat/harness/context.js";
import { requireDockerAndRoot, SKIP_DOCKER } from "../compat/harness/require-docker.js";
import { ensureCliBuilt, strata } from "../compat/harness/strata-cli.js";

const COW = path.join(path.dirname(fileURLToPath(import.meta.url)), "cow-test");
const EXPECTED_OUTPUT = "base\nmodified\n/cow:\ndir\nfile\nlink\n\n/cow/dir:\n4755";

/** strata's saved archives opened by other tools: docker load/run, skopeo, umoci. */
describe.skipIf(SKIP_DOCKER)("interop (needs Docker + root)", () => {
  let tmp: string;
  let root: string;

  beforeAll(async () => {
    await requireDockerAndRoot();
    await ensureBusyboxInDocker();
    await mkdir(COMPAT_TMP, { recursive: true });
    tmp = await mkdtemp(path.join(COMPAT_TMP, "interop-"));
    root = path.join(tmp, "root");
    await ensureCliBuilt();
    await strata(root, undefined, ["load", "-i", (await busyboxArchivePath()).file]);
    await strata(root, undefined, ["build", "-t", "interop/cow:latest", "-f", path.join(COW, "Dockerfile"), COW]);
  });

  afterAll(async () => {
    await dockerRemoveImage("interop/cow:latest");
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("docker loads strata's docker-archive and runs it", async () => {
    const out = path.join(tmp, "cow.tar");
    await strata(root, undefined, ["save", "-o", out, "interop/cow:latest"]);
    await dockerRemoveImage("interop/cow:latest");
    expect(await dockerLoad(out)).toContain("interop/cow:latest");
    expect((await dockerRun("interop/cow:latest")).trim()).toBe(EXPECTED_OUTPUT);
  });

  it("skopeo inspects and umoci unpacks strata's OCI archive", async () => {
    const out = path.join(tmp, "cow-oci.tar");
    await strata(root, undefined, ["save", "--format", "oci", "-o", out, "interop/cow:latest"]);
    const inspect = JSON.parse((await execa("skopeo", ["inspect", `oci-archive:${out}`])).stdout) as { Layers: string[]; Os: string };
    expect(inspect.Os).toBe("linux");
    expect(inspect.Layers).toHaveLength(3);

    const layout = path.join(tmp, "layout");
    await mkdir(layout);
    await execa("tar", ["-xf", out, "-C", layout]);
    const index = JSON.parse(await readFile(path.join(layout, "index.json"), "utf8")) as {
      manifests: Array<{ annotations?: Record<string, string> }>;
    };
    const ref = index.manifests[0]?.annotations?.["org.opencontainers.image.ref.name"];
    expect(ref, "index.json should name the image with org.opencontainers.image.ref.name").toBeTruthy();
    const bundle = path.join(tmp, "bundle");
    await execa("umoci", ["unpack", "--image", `${layout}:${ref}`, bundle]);
    expect(await readFile(path.join(bundle, "rootfs/cow/file"), "utf8")).toBe("base\nmodified\n");
    await expect(readFile(path.join(bundle, "rootfs/cow/keep"))).rejects.toThrow(/ENOENT/);
  });
});
