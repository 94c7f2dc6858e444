import { afterAll, describe, expect, it } from "vitest";
import { open } from "node:fs/promises";
import path from "node:path";
import { cleanup, makeContext, mountsUnder, rootWithBusybox, storeProblems, strata } from "./helpers.js";

/** Resolves when `text` appears on the child's stderr. */
function waitForOutput(child: ReturnType<typeof strata>, text: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${text}; saw:\n${seen}`)), timeoutMs);
    child.stderr?.on("data", (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

describe("an interrupted build leaves the store consistent (needs root + runc)", () => {
  const dirs: string[] = [];
  afterAll(() => cleanup(...dirs));

  it("SIGKILL during RUN: no partial blobs, no dangling tags, and the next build cleans up and succeeds", async () => {
    const root = await rootWithBusybox();
    const ctx = await makeContext({ Dockerfile: "FROM busybox\nRUN echo started-long-run && sleep 60\n" });
    dirs.push(root, ctx);
    const child = strata(root, ["build", "--progress", "plain", "-t", "killed:1", ctx]);
    await waitForOutput(child, "started-long-run");
    child.kill("SIGKILL");
    await child;
    expect(await storeProblems(root)).toEqual([]);

    const ok = await makeContext({ Dockerfile: "FROM busybox\nRUN echo fine > /fine\n" });
    dirs.push(ok);
    const next = await strata(root, ["build", "-t", "after:1", ok]);
    expect(next.exitCode, next.all).toBe(0);
    expect(await mountsUnder(root)).toEqual([]);
    expect(await storeProblems(root)).toEqual([]);
    const images = await strata(root, ["images"]);
    expect(images.stdout).toContain("after");
    expect(images.stdout).not.toContain("killed");
  });

  it("SIGINT during a large COPY: exit 130, no mounts, consistent store, next build succeeds", async () => {
    const root = await rootWithBusybox();
    const ctx = await makeContext({ Dockerfile: "FROM busybox\nCOPY big.bin /big.bin\n" });
    dirs.push(root, ctx);
    const fh = await open(path.join(ctx, "big.bin"), "w");
    const chunk = Buffer.alloc(8 << 20);
    for (let i = 0; i < 96; i++) {
      chunk.fill(i);
      await fh.write(chunk);
    }
    await fh.close();
    const child = strata(root, ["build", "--progress", "plain", "-t", "interrupted:1", ctx]);
    await waitForOutput(child, "COPY big.bin");
    await new Promise((r) => setTimeout(r, 150));
    child.kill("SIGINT");
    const res = await child;
    expect(res.exitCode).toBe(130);
    expect(await mountsUnder(root)).toEqual([]);
    expect(await storeProblems(root)).toEqual([]);
    const next = await strata(root, ["build", "-t", "interrupted:1", ctx]);
    expect(next.exitCode, next.all).toBe(0);
    expect(await storeProblems(root)).toEqual([]);
  });
});
