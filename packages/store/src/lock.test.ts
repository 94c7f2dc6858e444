import { chmod, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaType, sha256 } from "@strata/core";
import { openStore, withStoreLock } from "./index.js";
import { buildChildModules, runScript } from "./testsuite/child.js";
import { makeTmp } from "./testsuite/fixtures.js";

let tmp: Awaited<ReturnType<typeof makeTmp>>;
let mods: string;
beforeAll(async () => {
  tmp = await makeTmp();
  await chmod(tmp.dir, 0o755);
  mods = await buildChildModules(path.join(tmp.dir, "mods"));
});
afterAll(() => tmp.cleanup());

describe("store lock", () => {
  it("two processes updating tags concurrently lose no update", async () => {
    const root = path.join(tmp.dir, "concurrent");
    await openStore(root);
    const script = `
      import { openStore } from ${JSON.stringify(mods)};
      const [who, n] = [process.argv[2], Number(process.argv[3])];
      const store = await openStore(${JSON.stringify(root)});
      const target = { mediaType: "${MediaType.ociManifest}", digest: "${sha256("m")}", size: 1 };
      for (let i = 0; i < n; i++) await store.images.put(\`proc\${who}/img:t\${i}\`, target);
    `;
    const file = path.join(tmp.dir, "tagger.mjs");
    await writeFile(file, script);
    const { execa } = await import("execa");
    await Promise.all(["a", "b"].map((who) => execa(process.execPath, [file, who, "60"])));
    const store = await openStore(root);
    const names = (await store.images.list()).map((r) => r.name);
    expect(names).toHaveLength(120);
    expect(new Set(names).size).toBe(120);
  });

  it("breaks a lock left by a dead process", async () => {
    const root = path.join(tmp.dir, "stale");
    await openStore(root);
    await writeFile(path.join(root, "lock"), `999999999 ${hostname()}\n`);
    const t = Date.now();
    expect(await withStoreLock(root, async () => "got it")).toBe("got it");
    expect(Date.now() - t).toBeLessThan(5000);
    await expect(readFile(path.join(root, "lock"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("waits for a live holder in another process", async () => {
    const root = path.join(tmp.dir, "held");
    await openStore(root);
    const holder = runScript(
      tmp.dir,
      "holder.mjs",
      `import { withStoreLock } from ${JSON.stringify(mods)};
       await withStoreLock(${JSON.stringify(root)}, async () => { console.log("locked"); await new Promise((r) => setTimeout(r, 800)); });`,
      { buffer: false },
    );
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    const t = Date.now();
    await withStoreLock(root, async () => {});
    expect(Date.now() - t).toBeGreaterThan(300);
    await holder;
  });

  it("serialises callers in one process and lets nested calls re-enter", async () => {
    const root = path.join(tmp.dir, "inproc");
    await openStore(root);
    let inside = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withStoreLock(root, async () => {
          max = Math.max(max, ++inside);
          await withStoreLock(root, async () => new Promise((r) => setTimeout(r, 2)));
          inside--;
        }),
      ),
    );
    expect(max).toBe(1);
  });
});
