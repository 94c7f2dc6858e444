import { randomBytes, createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER, busyboxArchivePath, dockerRemoveImage, dockerSave, ensureBusyboxInDocker, readTar } from "@strata/testkit";
import { COMPAT_TMP } from "../compat/harness/context.js";
import { requireDockerAndRoot, SKIP_DOCKER } from "../compat/harness/require-docker.js";
import { STRATA_BIN, ensureCliBuilt, strata } from "../compat/harness/strata-cli.js";

/** What `docker create` + `docker export` adds to any image (the init layer and mount points). */
const RUNTIME_PATHS = /^\/(\.dockerenv|etc\/(hostname|hosts|resolv\.conf|mtab)|dev|proc|sys)(\/|$)/;

interface Exported {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  link?: string;
  sha256?: string;
}

/**
 * history, compare and analyze against the Docker engine on the same images: `docker history`
 * (BuildKit's entries and sizes; the legacy builder's real IDs and `<missing>`), and Docker's own
 * flattening (`docker create` + `docker export`) for the file listings and final sizes.
 */
describe.skipIf(SKIP_DOCKER)("history, compare and analyze against Docker (needs Docker + root)", () => {
  const run = randomBytes(4).toString("hex");
  const name = (s: string) => `strata-history-${run}-${s}`;
  let tmp: string;
  let root: string;
  const tags: string[] = [];
  const containers: string[] = [];

  const docker = async (args: string[], env: Record<string, string> = { DOCKER_BUILDKIT: "1" }) => (await execa(DOCKER, args, { env })).stdout;
  const ours = async (args: string[]) => (await strata(root, undefined, args)).stdout;

  async function context(label: string, dockerfile: string, files: Record<string, string> = {}): Promise<string> {
    const dir = path.join(tmp, label);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "Dockerfile"), dockerfile);
    for (const [f, text] of Object.entries(files)) await writeFile(path.join(dir, f), text);
    return dir;
  }
  async function dockerBuild(tag: string, dir: string, legacy = false): Promise<void> {
    await docker(["build", "--network=none", "-q", "-t", tag, dir], { DOCKER_BUILDKIT: legacy ? "0" : "1" });
    tags.push(tag);
  }

  /** Docker's flattened filesystem of an image: `docker export` of a container made from it. */
  async function exported(image: string): Promise<Map<string, Exported>> {
    const id = (await docker(["create", image, "true"])).trim();
    containers.push(id);
    const proc = execa(DOCKER, ["export", id], { buffer: false, encoding: "buffer" });
    const files = new Map<string, Exported>();
    await readTar(proc.stdout!, async (h, body) => {
      const p = `/${h.path.replace(/^\.?\//, "").replace(/\/$/, "")}`;
      if (p === "/" || RUNTIME_PATHS.test(p)) return;
      const e: Exported = { type: h.type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, size: h.type === "file" ? h.size : 0 };
      if (h.type === "symlink" || h.type === "hardlink") e.link = h.type === "hardlink" ? `/${h.linkName!.replace(/^\.?\//, "")}` : h.linkName;
      if (h.type === "file") {
        const hash = createHash("sha256");
        for await (const c of body) hash.update(c);
        e.sha256 = `sha256:${hash.digest("hex")}`;
      }
      files.set(p, e);
    });
    await proc;
    // A hardlink shows its target's content, as compare counts it.
    for (const e of files.values()) if (e.type === "hardlink" && files.get(e.link!)?.type === "file") Object.assign(e, { type: "file", size: files.get(e.link!)!.size, sha256: files.get(e.link!)!.sha256 });
    return files;
  }

  beforeAll(async () => {
    await requireDockerAndRoot();
    await ensureBusyboxInDocker();
    await mkdir(COMPAT_TMP, { recursive: true });
    tmp = await mkdtemp(path.join(COMPAT_TMP, "history-"));
    root = path.join(tmp, "root");
    await ensureCliBuilt();
    await strata(root, undefined, ["load", "-i", (await busyboxArchivePath()).file]);
  }, 600_000);

  afterAll(async () => {
    for (const c of containers) await execa(DOCKER, ["rm", "-f", c], { reject: false });
    for (const t of tags.reverse()) await dockerRemoveImage(t);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("history prints Docker's entries, sizes (DiffSize), comments, columns and --format fields for a BuildKit build", async () => {
    const dir = await context(
      "buildkit",
      [
        "FROM busybox",
        "ARG V=1",
        "ENV A=$V",
        "WORKDIR /w",
        "COPY f.txt ./f.txt",
        "RUN echo x > /x && ln -s /x /y && mkdir -p /d && head -c 12345 /dev/zero > /d/z",
        "RUN echo $V > /v",
        "LABEL l=1",
        "EXPOSE 80",
        'CMD ["sh", "-c", "echo\thi"]',
        "",
      ].join("\n"),
      { "f.txt": "hello\n" },
    );
    const tag = name("bk");
    await dockerBuild(tag, dir);
    await strata(root, undefined, ["build", "-q", "-t", tag, dir]);
    const fmt = ["--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}"];
    expect((await ours(["history", ...fmt, tag])).split("\n")).toEqual((await docker(["history", ...fmt, tag])).split("\n"));
    // Sizes are DiffSize: regular files once per inode plus symlink targets, as Docker counts a
    // layer it unpacked (loaded, or built by the legacy builder). For layers BuildKit built,
    // Docker 20.10 records only the regular files: the one RUN that makes a symlink (/y -> /x)
    // shows 2 bytes less there, every other entry is the same.
    const bytes = ["-H=false", "--no-trunc", "--format", "{{.Size}}|{{.CreatedBy}}"];
    const [mine, theirs] = [(await ours(["history", ...bytes, tag])).split("\n"), (await docker(["history", ...bytes, tag])).split("\n")];
    const symlinkRow = mine.findIndex((l) => l.includes("ln -s /x /y"));
    expect(theirs.filter((_, i) => i !== symlinkRow)).toEqual(mine.filter((_, i) => i !== symlinkRow));
    expect(Number(mine[symlinkRow]!.split("|")[0]) - Number(theirs[symlinkRow]!.split("|")[0])).toBe("/x".length);
    // The same image loaded into Docker: every size as strata shows it.
    const saved = path.join(tmp, "bk-saved.tar");
    const loaded = name("bk-loaded");
    await strata(root, undefined, ["tag", tag, loaded]);
    await strata(root, undefined, ["save", "-o", saved, loaded]);
    await docker(["load", "-i", saved]);
    tags.push(loaded);
    // Docker sizes a layer when it registers it: strata's layer tars are not byte-identical to
    // BuildKit's (other diffIDs), so the load registers them afresh and sizes them itself.
    const layersOf = async (exec: typeof docker, ref: string) => JSON.parse(await exec(["inspect", "-f", "{{json .RootFS.Layers}}", ref])) as string[];
    expect((await layersOf(docker, tag))[3]).not.toBe((await layersOf(ours, tag))[3]); // busybox, WORKDIR, COPY, the RUN with the symlink
    const loadedSizes = (await docker(["history", "-H=false", "--format", "{{.Size}}", loaded])).split("\n");
    expect(loadedSizes).toEqual(mine.map((l) => l.split("|")[0]));
    expect((await ours(["history", "-q", tag])).split("\n")).toHaveLength((await docker(["history", "-q", tag])).split("\n").length);
    // Docker's columns, then LAYER; the same JSON fields, plus Layer.
    const header = (s: string) => s.split("\n")[0]!.split(/\s{2,}/).filter(Boolean);
    expect(header(await ours(["history", tag]))).toEqual([...header(await docker(["history", tag])), "LAYER"]);
    expect(header(await ours(["history", "-H=false", tag]))).toEqual([...header(await docker(["history", "-H=false", tag])), "LAYER"]);
    const keys = (s: string) => Object.keys(JSON.parse(s.split("\n")[0]!));
    expect(keys(await ours(["history", "--format", "{{json .}}", tag]))).toEqual([...keys(await docker(["history", "--format", "{{json .}}", tag])), "Layer"].sort());
    // Truncated CreatedBy as Docker truncates it (45 columns, "…"), tabs as spaces.
    expect(await ours(["history", "--format", "{{.CreatedBy}}", tag])).toBe(await docker(["history", "--format", "{{.CreatedBy}}", tag]));
  });

  it("history shows real IDs where the legacy builder does, and <missing> where it does (steps built elsewhere)", async () => {
    // A base made elsewhere: built by BuildKit, saved, loaded into both engines (no step images).
    const baseDir = await context("legacy-base", "FROM busybox\nRUN echo one > /one\nENV B=1\nRUN echo two > /two\n");
    const base = name("base");
    await dockerBuild(base, baseDir);
    const archive = path.join(tmp, "base.tar");
    await dockerSave(base, archive);
    await strata(root, undefined, ["load", "-i", archive]);
    const dir = await context("legacy", `FROM ${base}\nCOPY f.txt /f.txt\nRUN echo three > /three\nUSER 1000\nCMD ["sh"]\n`, { "f.txt": "f\n" });
    const tag = name("legacy");
    await dockerBuild(tag, dir, true);
    await strata(root, undefined, ["build", "-q", "-t", tag, dir]);

    const docker_ = (await docker(["history", "--no-trunc", "--format", "{{.ID}}", tag])).split("\n");
    const ours_ = (await ours(["history", "--no-trunc", "--format", "{{.ID}}", tag])).split("\n");
    expect(ours_.map((id) => id === "<missing>")).toEqual(docker_.map((id) => id === "<missing>"));
    expect(docker_.filter((id) => id === "<missing>").length).toBeGreaterThan(0);
    // The base's own ID on its top entry, in both engines.
    const baseId = (await docker(["image", "inspect", "-f", "{{.Id}}", base])).trim();
    expect(ours_[4]).toBe(baseId);
    expect(docker_[4]).toBe(baseId);
    // Every ID strata shows is an image in its store.
    for (const id of ours_.filter((i) => i !== "<missing>")) expect((await ours(["inspect", "-f", "{{.Id}}", id])).trim()).toBe(id);
  });

  it("compare lists the file differences Docker's own flattening shows, and analyze counts the bytes Docker does", async () => {
    const first = "RUN mkdir -p /d/sub /o/old /keep && echo 1 > /d/keep && echo 2 > /d/gone && echo 3 > /d/sub/deep && echo old > /o/old/f && echo f > /f2d && mkdir /d2f && echo c > /d2f/c && echo h > /h1 && ln /h1 /h2 && ln -s /d/keep /s && echo m > /m && chmod 600 /m && head -c 20000 /dev/urandom > /keep/big";
    const dirA = await context("flat-a", `FROM busybox\n${first}\nRUN rm /d/gone && rm -rf /o && mkdir /o && echo new > /o/new && rm /f2d && mkdir /f2d && echo i > /f2d/i && rm -rf /d2f && echo file > /d2f\n`);
    const dirB = await context("flat-b", `FROM busybox\n${first}\nRUN echo changed > /d/keep && rm -rf /d/sub && ln -sf /d/gone /s && chown 1:2 /m && chmod 640 /m && rm /h2 && echo x > /h2 && head -c 30000 /dev/urandom > /keep/big && mkdir -p /new/dir && echo n > /new/dir/n\n`);
    const [a, b] = [name("flat-a"), name("flat-b")];
    // The legacy builder: Docker unpacks and sizes these layers itself (DiffSize over the diff).
    await dockerBuild(a, dirA, true);
    await dockerBuild(b, dirB, true);
    const [fa, fb] = [path.join(tmp, "flat-a.tar"), path.join(tmp, "flat-b.tar")];
    await dockerSave(a, fa);
    await dockerSave(b, fb);

    const cmp = await execa(STRATA_BIN, ["--root", root, "compare", "--format", "json", "--ignore-timestamps", `docker-archive:${fa}`, `docker-archive:${fb}`], { reject: false });
    expect(cmp.exitCode, cmp.stderr).toBe(1);
    const res = JSON.parse(cmp.stdout);
    const [ea, eb] = [await exported(a), await exported(b)];
    const expected: [string, string][] = [];
    for (const p of [...new Set([...ea.keys(), ...eb.keys()])].sort()) {
      const x = ea.get(p);
      const y = eb.get(p);
      if (!x) expected.push([p, "added"]);
      else if (!y) expected.push([p, "removed"]);
      else if (x.type !== y.type || x.mode !== y.mode || x.uid !== y.uid || x.gid !== y.gid || x.sha256 !== y.sha256 || (x.type === "symlink" && x.link !== y.link)) expected.push([p, "changed"]);
    }
    expect(expected.length).toBeGreaterThan(8);
    expect(res.files.changes.filter((c: { path: string }) => !RUNTIME_PATHS.test(c.path)).map((c: { path: string; change: string }) => [c.path, c.change])).toEqual(expected);

    for (const [image, archive, flat] of [[a, fa, ea], [b, fb, eb]] as const) {
      const r = JSON.parse((await strata(root, undefined, ["analyze", "--format", "json", `docker-archive:${archive}`])).stdout);
      const sizes = (await docker(["history", "-H=false", "--format", "{{.Size}}", image])).split("\n").map(Number);
      expect(r.totalBytes).toBe(sizes.reduce((x, y) => x + y, 0));
      expect(r.totalBytes).toBe(Number(await docker(["image", "inspect", "-f", "{{.Size}}", image])));
      // Bytes of the final filesystem: regular files once per inode, plus symlink targets.
      const seen = new Set<string>();
      let bytes = 0;
      for (const [p, e] of flat) {
        if (e.type === "symlink") bytes += Buffer.byteLength(e.link ?? "");
        else if (e.type === "file") {
          const inode = ea === flat && p === "/h2" ? "/h1" : p; // /h1 and /h2 share one inode in A
          if (!seen.has(inode)) bytes += e.size;
          seen.add(inode);
        }
      }
      expect(r.finalBytes).toBe(bytes);
      expect(r.wastedBytes).toBe(r.totalBytes - r.finalBytes);
    }
  });
});
