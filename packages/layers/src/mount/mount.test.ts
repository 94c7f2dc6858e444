import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Mount } from "@strata/core";
import { mountAll, relativeOverlayOptions, unmount } from "./mount.js";
import { mountHelper, resetMountHelper } from "./mount-helper.js";
import { withMounted } from "./with-mounted.js";
import { overlayAvailable } from "./overlay-probe.js";
import { mountsMentioning, unmountLeaks } from "./mountinfo.js";

let base: string;
const mounted = async (): Promise<string[]> => (await mountsMentioning(base)).map((m) => m.line);

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "strata-mount-test-"));
});
afterAll(async () => {
  const leaked = await unmountLeaks(base);
  await rm(base, { recursive: true, force: true });
  expect(leaked).toEqual([]);
});

async function overlayFixture(name: string): Promise<{ mounts: Mount[]; dir: string }> {
  const dir = path.join(base, name);
  for (const d of ["l1", "l2", "upper", "work", "target"]) await mkdir(path.join(dir, d), { recursive: true });
  await writeFile(path.join(dir, "l1", "from-l1"), "1");
  await writeFile(path.join(dir, "l2", "from-l2"), "2");
  const p = (d: string) => path.join(dir, d);
  const mounts: Mount[] = [
    { type: "overlay", source: "overlay", options: [`workdir=${p("work")}`, `upperdir=${p("upper")}`, `lowerdir=${p("l1")}:${p("l2")}`] },
  ];
  return { mounts, dir };
}

// Needs root. Both ways of mounting must behave alike: the syscall helper and mount(8)/umount(8).
const mounters = [
  { name: "the syscall helper", env: undefined },
  { name: "mount(8) and umount(8)", env: "mount" },
] as const;

describe.each(mounters)("mountAll / unmount through $name", ({ env }) => {
  beforeEach(() => {
    if (env === undefined) delete process.env.STRATA_MOUNT;
    else process.env.STRATA_MOUNT = env;
    resetMountHelper();
    expect(mountHelper() === undefined).toBe(env === "mount");
  });
  afterAll(() => {
    delete process.env.STRATA_MOUNT;
    resetMountHelper();
  });
  const fixture = (name: string) => overlayFixture(`${name}-${env ?? "helper"}`);

  it("mounts an overlay and unmounts it", async () => {
    const { mounts, dir } = await fixture("basic");
    const target = path.join(dir, "target");
    await mountAll(mounts, target);
    expect((await readdir(target)).sort()).toEqual(["from-l1", "from-l2"]);
    await writeFile(path.join(target, "new"), "n");
    await unmount(target);
    expect(await readdir(target)).toEqual([]);
    expect(await readFile(path.join(dir, "upper", "new"), "utf8")).toBe("n");
    expect(await mounted()).toEqual([]);
  });

  it("mounts a read-only bind that refuses writes", async () => {
    const { dir } = await fixture("bind-ro");
    const target = path.join(dir, "target");
    await mountAll([{ type: "bind", source: path.join(dir, "l1"), options: ["rbind", "ro"] }], target);
    try {
      expect(await readdir(target)).toEqual(["from-l1"]);
      await expect(writeFile(path.join(target, "x"), "x")).rejects.toMatchObject({ code: "EROFS" });
    } finally {
      await unmount(target);
    }
    expect(await mounted()).toEqual([]);
  });

  it("mounts an overlay whose options are longer than a page, relative to their common directory", async () => {
    const { dir } = await fixture("long");
    // Every layer's absolute path is long, its path relative to the others short.
    const deep = path.join(dir, "d".repeat(200), "e".repeat(200));
    const lowers: string[] = [];
    for (let i = 0; i < 60; i++) {
      const d = path.join(deep, `l${i}`);
      await mkdir(d, { recursive: true });
      await writeFile(path.join(d, `f${i}`), String(i));
      lowers.push(d);
    }
    for (const d of ["upper", "work"]) await mkdir(path.join(deep, d));
    const options = [`workdir=${deep}/work`, `upperdir=${deep}/upper`, `lowerdir=${lowers.join(":")}`];
    expect(options.join(",").length).toBeGreaterThan(4096);
    const target = path.join(dir, "target");
    await mountAll([{ type: "overlay", source: "overlay", options }], target);
    try {
      expect((await readdir(target)).length).toBe(60);
    } finally {
      await unmount(target);
    }
  });

  it("treats unmounting a directory that is not mounted as done", async () => {
    await unmount(base);
    await unmount(path.join(base, "does-not-exist"));
  });

  it("detaches a busy mount lazily after the retries", async () => {
    const { mounts, dir } = await fixture("busy");
    const target = path.join(dir, "target");
    await mountAll(mounts, target);
    const fh = await open(path.join(target, "from-l1"), "r");
    try {
      await unmount(target, { retries: 1, delayMs: 5 });
      expect(await mounted()).toEqual([]);
    } finally {
      await fh.close();
    }
  });

  it("reports a failing mount with the target and the reason", async () => {
    const target = path.join(base, `bad-target-${env ?? "helper"}`);
    await mkdir(target);
    const failing = mountAll([{ type: "overlay", source: "overlay", options: ["lowerdir=/nonexistent/x"] }], target);
    await expect(failing).rejects.toMatchObject({ code: "INTERNAL" });
    await expect(failing).rejects.toThrow(`mount overlay on ${target}: `);
    expect(await mounted()).toEqual([]);
  });
});

describe("the mount helper", () => {
  afterAll(() => resetMountHelper());
  const helperPid = (): number => Number(execFileSync("pgrep", ["-P", String(process.pid), "-f", "^/usr/bin/perl"], { encoding: "utf8" }).trim());

  it("survives a Ctrl-C to the process group, so strata can still unmount while it cleans up", async () => {
    resetMountHelper();
    const { mounts, dir } = await overlayFixture("sigint");
    const target = path.join(dir, "target");
    await mountAll(mounts, target);
    const pid = helperPid();
    process.kill(pid, "SIGINT");
    process.kill(pid, "SIGTERM");
    await new Promise((r) => setTimeout(r, 50));
    await unmount(target);
    expect(helperPid()).toBe(pid);
    expect(await mounted()).toEqual([]);
  });

  it("lets umount(8) finish an unmount when the helper is gone", async () => {
    resetMountHelper();
    const { mounts, dir } = await overlayFixture("gone");
    const target = path.join(dir, "target");
    await mountAll(mounts, target);
    mountHelper()!.close();
    await unmount(target);
    expect(await mounted()).toEqual([]);
  });
});

describe("relativeOverlayOptions", () => {
  it("rewrites long overlay options relative to the common directory", () => {
    const out = relativeOverlayOptions(["workdir=/r/s/3/work", "upperdir=/r/s/3/fs", "lowerdir=/r/s/2/fs:/r/s/1/fs", "index=off"]);
    expect(out).toEqual({ cwd: "/r/s", options: ["workdir=3/work", "upperdir=3/fs", "lowerdir=2/fs:1/fs", "index=off"] });
  });
});

describe("withMounted", () => {
  it("passes a bind mount's source directory without mounting", async () => {
    const src = path.join(base, "bind-src");
    await mkdir(src);
    const seen = await withMounted([{ type: "bind", source: src, options: ["rbind", "rw"] }], async (dir) => {
      expect(await mounted()).toEqual([]);
      return dir;
    });
    expect(seen).toBe(src);
  });

  it("mounts an overlay on a temp dir and always unmounts and removes it", async () => {
    const { mounts } = await overlayFixture("with");
    let target = "";
    await expect(
      withMounted(mounts, async (dir) => {
        target = dir;
        expect((await readdir(dir)).sort()).toEqual(["from-l1", "from-l2"]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await mounted()).toEqual([]);
    await expect(stat(target)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("overlayAvailable", () => {
  it("is true on this machine's /tmp and cached", async () => {
    const p = overlayAvailable(path.join(base, "probe-root"));
    expect(await p).toBe(true);
    expect(overlayAvailable(path.join(base, "probe-root"))).toBe(p);
    expect((await readdir(path.join(base, "probe-root")))).toEqual([]);
  });

  it("is false where overlay cannot be the upper filesystem (inside an overlay)", async () => {
    const { mounts, dir } = await overlayFixture("nested");
    const target = path.join(dir, "target");
    await mountAll(mounts, target);
    try {
      expect(await overlayAvailable(path.join(target, "root"))).toBe(false);
    } finally {
      await unmount(target);
    }
  });

  it("is false where the root cannot be created", async () => {
    // (Not under /proc: Node's recursive mkdir loops forever there.)
    const file = path.join(base, "a-file");
    await writeFile(file, "");
    expect(await overlayAvailable(path.join(file, "root"))).toBe(false);
  });
});
