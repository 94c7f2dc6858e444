import { createReadStream } from "node:fs";
import { chmod, lchown, lstat, mkdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER, applyTarToFiles, ensureBusyboxInDocker, flattenImageArchive, type FileEntry } from "@strata/testkit";
import { SKIP_DOCKER } from "../../../test/compat/harness/require-docker.js";
import { cleanup, rootWithBusybox, strata, tempDir } from "./helpers.js";
import { removeAllContainers } from "./container-helpers.js";

/** The mount points every container has (its init layer), which an image need not hold. */
const PLUMBING = ["/proc", "/sys", "/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"];

async function flattenTar(file: string): Promise<Map<string, FileEntry>> {
  const files = new Map<string, FileEntry>();
  await applyTarToFiles(files, createReadStream(file));
  return files;
}

const CHANGES = [
  "mkdir -p /app/sub && printf 'hello world\\n' > /app/x && echo deep > /app/sub/y",
  "ln -s /app/x /app/link && ln /app/x /app/hard",
  "chown 1234:5678 /app/sub/y && chmod 4750 /app/sub/y",
  "rm /bin/zcat && rm -rf /home && echo appended >> /etc/passwd",
  "rm -rf /usr && mkdir /usr && echo fresh > /usr/new",
].join(" && ");

describe("diff, commit, export and cp of a container's writable layer (needs root, runc, conmon)", () => {
  let root: string;
  let work: string;
  beforeAll(async () => {
    root = await rootWithBusybox();
    work = await tempDir("ctr-fs");
  });
  afterAll(async () => {
    const left = await removeAllContainers(root);
    await cleanup(root, work);
    expect(left).toEqual({ mounts: [], processes: [] });
  });

  it("commit: the image, flattened, equals the container's filesystem; Docker runs its strata save", async () => {
    const r = await strata(root, ["run", "--name", "changed", "busybox", "sh", "-c", CHANGES]);
    expect(r.exitCode, r.all).toBe(0);
    const diff = (await strata(root, ["diff", "changed"])).stdout.split("\n");
    expect(diff).toEqual(expect.arrayContaining(["A /app", "A /app/x", "A /app/sub/y", "C /bin", "D /bin/zcat", "D /home", "C /etc/passwd", "C /usr", "D /usr/bin", "A /usr/new"]));
    expect(diff).not.toEqual(expect.arrayContaining(["A /proc", "A /etc/hosts"]));

    const commit = await strata(root, ["commit", "-m", "changes", "-a", "tester", "-c", "ENV COMMITTED=1", "-c", 'CMD ["cat", "/app/x"]', "changed", "strata-test/committed:1"]);
    expect(commit.exitCode, commit.all).toBe(0);
    expect(commit.stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    const img = JSON.parse((await strata(root, ["inspect", "strata-test/committed:1"])).stdout)[0];
    expect(img.Config.Cmd).toEqual(["cat", "/app/x"]);
    expect(img.Config.Env).toContain("COMMITTED=1");
    expect(img.Author).toBe("tester");
    expect(img.RootFS.Layers).toHaveLength(2);

    const exported = path.join(work, "changed.tar");
    expect((await strata(root, ["export", "-o", exported, "changed"])).exitCode).toBe(0);
    const saved = path.join(work, "committed.tar");
    expect((await strata(root, ["save", "-o", saved, "strata-test/committed:1"])).exitCode).toBe(0);
    const container = await flattenTar(exported);
    const flat = await flattenImageArchive(saved);
    const image = flat.files;
    expect(flat.config.history?.at(-1)).toMatchObject({ created_by: `sh -c ${CHANGES}`, comment: "changes", author: "tester" });
    expect(flat.config.history?.at(-1)?.empty_layer).toBeUndefined();
    for (const p of PLUMBING) if (!image.has(p)) container.delete(p);
    const strip = (m: Map<string, FileEntry>) => new Map([...m].map(([k, v]) => [k, { ...v }]));
    expect(strip(image)).toEqual(strip(container));
    expect(image.get("/app/sub/y")).toMatchObject({ uid: 1234, gid: 5678, mode: 0o4750 });
    expect(image.has("/bin/zcat") || image.has("/home") || image.has("/usr/bin")).toBe(false);

    if (SKIP_DOCKER) return;
    await ensureBusyboxInDocker();
    const tag = "strata-ctr-test-committed:1";
    const load = await execa(DOCKER, ["load", "-i", saved], { reject: false });
    expect(load.exitCode, load.stderr).toBe(0);
    try {
      await execa(DOCKER, ["tag", "strata-test/committed:1", tag]);
      const run = await execa(DOCKER, ["run", "--rm", "--network=none", tag, "sh", "-c", "cat /app/x; test ! -e /bin/zcat && test ! -e /home && cat /usr/new && stat -c '%u:%g %a' /app/sub/y"]);
      expect(run.stdout).toBe("hello world\nfresh\n1234:5678 4750");
    } finally {
      await execa(DOCKER, ["rmi", "-f", tag, "strata-test/committed:1"], { reject: false });
    }
  });

  it("commit without changes adds an empty history entry and no layer", async () => {
    await strata(root, ["create", "--name", "untouched", "busybox", "true"]);
    const c = await strata(root, ["commit", "untouched"]);
    expect(c.exitCode, c.all).toBe(0);
    const img = JSON.parse((await strata(root, ["inspect", c.stdout])).stdout)[0];
    expect(img.RootFS.Layers).toHaveLength(1);
    expect((await strata(root, ["images", "--filter", "dangling=true", "-q"])).stdout).toContain(c.stdout.slice(7, 19));
    expect((await strata(root, ["commit", "-c", "RUN true", "untouched"])).stderr).toContain("RUN is not a valid change command");
  });

  it("cp both ways keeps modes and owners, never leaves the container's root, and streams tars", async () => {
    const id = (await strata(root, ["run", "-d", "--name", "cp", "busybox", "sh", "-c", "mkdir -p /data/d && echo in > /data/d/f && chown 7:8 /data/d/f && chmod 600 /data/d/f && ln -s /etc/passwd /data/abs && ln -s ../../../../../etc /data/escape && exec sleep 1000"])).stdout;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    // out of the container
    await eventuallyFile(root, "cp:/data/d/f");
    const out = path.join(work, "out");
    await mkdir(out);
    expect((await strata(root, ["cp", "cp:/data", out])).exitCode).toBe(0);
    const f = await lstat(path.join(out, "data/d/f"));
    expect([f.uid, f.gid, f.mode & 0o7777]).toEqual([7, 8, 0o600]);
    expect(await readlink(path.join(out, "data/abs"))).toBe("/etc/passwd");
    expect((await strata(root, ["cp", "cp:/data/d/f", path.join(out, "renamed")])).exitCode).toBe(0);
    expect(await readFile(path.join(out, "renamed"), "utf8")).toBe("in\n");
    // an absolute symlink is followed inside the container (its /etc/passwd, not the host's)
    expect((await strata(root, ["cp", "-L", "cp:/data/abs", path.join(out, "passwd")])).exitCode).toBe(0);
    expect((await readFile(path.join(out, "passwd"), "utf8")).trimEnd()).toBe(await readFileFromContainer(root, "cp", "/etc/passwd"));
    // escapes are refused, one line, nothing written
    for (const src of ["cp:/../../etc/shadow", "cp:/data/escape/shadow"]) {
      const r = await strata(root, ["cp", src, path.join(out, "never")]);
      expect(r.exitCode, src).toBe(1);
      expect(r.stderr).toMatch(/^error: .*escapes the container's root filesystem$/);
    }
    await expect(lstat(path.join(out, "never"))).rejects.toThrow();
    // into the container, owners and modes kept; into the container's root through its own symlinks only
    const src = path.join(work, "src");
    await mkdir(path.join(src, "sub"), { recursive: true });
    await writeFile(path.join(src, "sub/file"), "from host");
    await lchown(path.join(src, "sub/file"), 4321, 8765);
    await chmod(path.join(src, "sub/file"), 0o751);
    await symlink("sub/file", path.join(src, "rel"));
    expect((await strata(root, ["cp", src, "cp:/data/"])).exitCode).toBe(0);
    expect(await readFileFromContainer(root, "cp", "/data/src/sub/file")).toBe("from host");
    expect((await strata(root, ["exec", "cp", "stat", "-c", "%u:%g %a", "/data/src/sub/file"])).stdout).toBe("4321:8765 751");
    expect((await strata(root, ["exec", "cp", "readlink", "/data/src/rel"])).stdout).toBe("sub/file");
    const intoEscape = await strata(root, ["cp", path.join(src, "sub/file"), "cp:/data/escape/planted"]);
    expect(intoEscape.exitCode).toBe(1);
    await expect(lstat("/etc/planted")).rejects.toThrow();
    // tar streams
    const tar = await strata(root, ["cp", "cp:/data/d", "-"], { encoding: "buffer" });
    const listing = await execa("tar", ["-tv"], { input: tar.stdout as unknown as Buffer });
    expect(listing.stdout).toMatch(/-rw------- 7\/8 +3 .* d\/f/);
    const packed = await execa("tar", ["-C", src, "-c", "sub"], { encoding: "buffer" });
    expect((await strata(root, ["cp", "-", "cp:/tmp"], { input: packed.stdout })).exitCode).toBe(0);
    expect(await readFileFromContainer(root, "cp", "/tmp/sub/file")).toBe("from host");
    // a stopped container: the same, through its writable layer
    await strata(root, ["stop", "-t", "0", "cp"]);
    expect((await strata(root, ["cp", path.join(src, "sub/file"), "cp:/stopped"])).exitCode).toBe(0);
    expect((await strata(root, ["cp", "cp:/stopped", path.join(out, "stopped")])).exitCode).toBe(0);
    expect(await readFile(path.join(out, "stopped"), "utf8")).toBe("from host");
    expect((await strata(root, ["diff", "cp"])).stdout.split("\n")).toContain("A /stopped");
    // and a created one (its writable layer is made on demand)
    await strata(root, ["create", "--name", "fresh", "busybox", "true"]);
    expect((await strata(root, ["cp", path.join(src, "sub/file"), "fresh:/x"])).exitCode).toBe(0);
    expect((await strata(root, ["diff", "fresh"])).stdout).toBe("A /x");
    await strata(root, ["rm", "-f", "cp", "fresh"]);
  });
});

async function readFileFromContainer(root: string, name: string, p: string): Promise<string> {
  return (await strata(root, ["exec", name, "cat", p])).stdout;
}

async function eventuallyFile(root: string, spec: string): Promise<void> {
  const [name, p] = spec.split(":") as [string, string];
  for (let i = 0; i < 100; i++) {
    if ((await strata(root, ["exec", name, "test", "-e", p])).exitCode === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${spec} never appeared`);
}
