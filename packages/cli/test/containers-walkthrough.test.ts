import { lstat, readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, cleanup, rootWithBusybox, strata } from "./helpers.js";
import { removeAllContainers } from "./container-helpers.js";

const example = path.join(REPO, "examples/cow-test");

/** Every file under `dir`, relative, with a trailing "/" for directories. */
async function tree(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(path.join(dir, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = await lstat(path.join(dir, r));
    out.push(st.isDirectory() ? `${r}/` : r);
    if (st.isDirectory()) out.push(...(await tree(dir, r)));
  }
  return out;
}

describe("the storage docs' copy-on-write walk-through (needs root, runc, conmon)", () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const root of roots) await removeAllContainers(root);
    await cleanup(...roots);
  });

  it.each(["overlay", "native"] as const)("five containers from one image, each a thin writable layer (%s)", async (driver) => {
    const root = await rootWithBusybox(driver);
    roots.push(root);
    for (const [tag, file] of [["acme/my-base-image:1.0", "Dockerfile.base"], ["acme/my-final-image:1.0", "Dockerfile"]]) {
      const b = await strata(root, ["build", "-q", "-t", tag!, "-f", path.join(example, file!), example]);
      expect(b.exitCode, b.all).toBe(0);
    }
    const names = [1, 2, 3, 4, 5].map((n) => `my_container_${n}`);
    for (const name of names) {
      const r = await strata(root, ["run", "-dit", "--name", name, "acme/my-final-image:1.0", "sh"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(r.stdout).toMatch(/^[0-9a-f]{64}$/);
    }

    // Right after start: 0B each, the virtual size being the image's.
    const imageSize = (await strata(root, ["images", "--format", "{{.Size}}", "acme/my-final-image:1.0"])).stdout.trim();
    const sizes = async () =>
      Object.fromEntries(
        (await strata(root, ["ps", "-s", "--format", "{{.Names}}\t{{.Size}}"])).stdout
          .trim()
          .split("\n")
          .map((l) => l.split("\t") as [string, string]),
      );
    const before = await sizes();
    for (const name of names) expect(before[name]).toBe(`0B (virtual ${imageSize})`);
    const table = await strata(root, ["ps", "-s"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES +SIZE$/);
    expect(table.stdout).toMatch(/acme\/my-final-image:1\.0 +"sh" +.*Up .*my_container_1 +0B \(virtual /);

    // The image's layers exist once: one blob per layer, one snapshot per chain, shared by all five.
    const inspect = async (name: string) => JSON.parse((await strata(root, ["inspect", name])).stdout)[0];
    const layers: string[] = (await inspect("acme/my-final-image:1.0")).RootFS.Layers;
    const blobs = await readdir(path.join(root, "blobs/sha256"));
    for (const l of layers) expect(blobs.filter((b) => b === l.slice(7))).toHaveLength(1);
    const graph = await Promise.all(names.map(async (n) => (await inspect(n)).GraphDriver.Data));
    expect(new Set(graph.map((g) => g.LowerDir)).size).toBe(1);
    expect(new Set(graph.map((g) => g.UpperDir)).size).toBe(5);
    for (const g of graph) expect(await tree(g.UpperDir)).toEqual([]);
    const metadata = JSON.parse(await readFile(path.join(root, "snapshots/metadata.json"), "utf8"));
    const committed = Object.values(metadata.snapshots as Record<string, { kind: string }>).filter((s) => s.kind === "committed");
    expect(committed.length).toBeLessThanOrEqual(layers.length + 2); // the image's layers and one shared init layer

    // A 12-byte write in one container: 12B there only, and exactly C /app, A /app/x.
    const w = await strata(root, ["exec", "my_container_1", "sh", "-c", "printf 'hello world\\n' > /app/x"]);
    expect(w.exitCode, w.all).toBe(0);
    const after = await sizes();
    expect(after.my_container_1).toBe(`12B (virtual ${imageSize})`);
    for (const name of names.slice(1)) expect(after[name]).toBe(`0B (virtual ${imageSize})`);
    expect((await strata(root, ["diff", "my_container_1"])).stdout).toBe("C /app\nA /app/x");
    expect((await strata(root, ["diff", "my_container_2"])).stdout).toBe("");
    expect(await tree(graph[0]!.UpperDir)).toEqual(["app/", "app/x"]);

    // Changing an image file copies that one file up, in that container only.
    let lowerHello;
    for (const dir of graph[1]!.LowerDir.split(":") as string[]) {
      lowerHello = await lstat(path.join(dir, "app/hello.sh")).catch(() => undefined);
      if (lowerHello) break;
    }
    expect(lowerHello?.isFile()).toBe(true);
    const c = await strata(root, ["exec", "my_container_2", "sh", "-c", "echo 'echo again' >> /app/hello.sh"]);
    expect(c.exitCode, c.all).toBe(0);
    expect(await tree(graph[1]!.UpperDir)).toEqual(["app/", "app/hello.sh"]);
    const copied = await lstat(path.join(graph[1]!.UpperDir, "app/hello.sh"));
    expect(copied.ino).not.toBe(lowerHello!.ino);
    for (const g of graph.slice(2)) expect(await tree(g.UpperDir)).toEqual([]);
    const original = await strata(root, ["exec", "my_container_3", "cat", "/app/hello.sh"]);
    expect(original.stdout).not.toContain("echo again");
    expect((await strata(root, ["exec", "my_container_2", "cat", "/app/hello.sh"])).stdout).toContain("echo again");

    const hello = await strata(root, ["run", "--rm", "acme/my-final-image:1.0"]);
    expect(hello.exitCode, hello.all).toBe(0);
    expect(hello.stdout).toBe("Hello world");

    expect(await removeAllContainers(root)).toEqual({ mounts: [], processes: [] });
    expect((await strata(root, ["ps", "-a", "-q"])).stdout).toBe("");
    const left = JSON.parse(await readFile(path.join(root, "snapshots/metadata.json"), "utf8"));
    expect(Object.values(left.snapshots as Record<string, { kind: string }>).filter((s) => s.kind !== "committed")).toEqual([]);
  });
});
