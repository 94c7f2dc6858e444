import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import {
  BARE_BASE_TAG,
  compareFlattened,
  DOCKER,
  ensureBareBaseInDocker,
  dockerRun,
  ensureBusyboxInDocker,
  ensureDockerd,
  flattenImageArchive,
  type FileEntry,
  type FlattenedImage,
} from "@strata/testkit";
import { loadCases } from "./harness/cases.js";
import { cleanupContexts, COMPAT_TMP } from "./harness/context.js";
import { buildCaseWithDocker } from "./harness/docker-side.js";
import { COMPAT_IGNORE_PATHS } from "./harness/ignore-paths.js";
import { requireDockerAndRoot, SKIP_DOCKER } from "./harness/require-docker.js";

/**
 * The oracle checked against itself: every case builds with Docker, two independent
 * (--no-cache) builds flatten to the same thing, and the flattened view shows what each
 * case is about. Needs no strata code.
 */
const cases = loadCases();
const byName = new Map(cases.map((c) => [c.name, c]));
const opts = { ignorePaths: COMPAT_IGNORE_PATHS, names: ["first", "second"] as [string, string] };

describe.skipIf(SKIP_DOCKER)("oracle (needs Docker + root)", () => {
  let outDir: string;
  const built = new Map<string, Promise<FlattenedImage>>();
  const docker = (name: string) => {
    let p = built.get(name);
    if (!p) built.set(name, (p = buildCaseWithDocker(byName.get(name)!, outDir, { tagSuffix: "-oracle" }).then((r) => r.image)));
    return p;
  };
  const file = async (name: string, p: string): Promise<FileEntry | undefined> => (await docker(name)).files.get(p);

  beforeAll(async () => {
    await requireDockerAndRoot();
    const img = await ensureBusyboxInDocker();
    expect(img.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    await mkdir(COMPAT_TMP, { recursive: true });
    outDir = await mkdtemp(path.join(COMPAT_TMP, "oracle-"));
  });

  afterAll(async () => {
    await cleanupContexts();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it("ensureDockerd is idempotent under concurrent calls", async () => {
    await expect(Promise.all([ensureDockerd(), ensureDockerd(), ensureDockerd()])).resolves.toBeDefined();
  });

  it("runs the busybox base", async () => {
    expect((await dockerRun("busybox:latest", ["echo", "hi"])).trim()).toBe("hi");
    expect(await dockerRun("busybox:latest", ["sh", "-c", "stat -c '%a %u:%g' /tmp /home/app; id app"])).toBe(
      "1777 0:0\n755 1000:1000\nuid=1000(app) gid=1000(app) groups=1000(app),50(staff)",
    );
  });

  it("the bare base has busybox's files and an empty config; Docker adds the default PATH to images built on it", async () => {
    const bare = await ensureBareBaseInDocker();
    const config = (await execa(DOCKER, ["image", "inspect", "-f", "{{json .Config.Env}} {{json .Config.Cmd}} {{json .Config.WorkingDir}}", bare.imageId])).stdout;
    expect(config).toBe('null null ""');
    const built = await buildCaseWithDocker(byName.get("env-arg")!, outDir, { base: { name: "bare", tag: BARE_BASE_TAG }, tagSuffix: "-oracle" });
    expect(built.image.config.config.Env?.[0]).toBe("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  });

  it.each(cases.map((c) => [c.name] as const))(
    "%s: two Docker builds compare equal",
    async (name) => {
      const first = await docker(name);
      const second = await buildCaseWithDocker(byName.get(name)!, outDir, { tagSuffix: "-oracle-again", noCache: true });
      expect(compareFlattened(first, second.image, opts)).toEqual([]);
    },
    600_000,
  );

  it("reads an OCI archive (skopeo's conversion of Docker's save) the same as the docker-archive", async () => {
    const name = "hardlinks";
    const fromDocker = await docker(name);
    const dockerTar = path.join(outDir, `${name}.docker-oracle.tar`);
    const ociTar = path.join(outDir, `${name}.oci.tar`);
    await execa("skopeo", ["copy", "-q", `docker-archive:${dockerTar}`, `oci-archive:${ociTar}:compat/${name}:latest`]);
    const fromOci = await flattenImageArchive(ociTar);
    expect(compareFlattened(fromDocker, fromOci, opts)).toEqual([]);
    expect(fromOci.files.size).toBe(fromDocker.files.size);
  });

  it("detects planted differences", async () => {
    const img = await docker("special-modes");
    const planted: FlattenedImage = { files: new Map(img.files), config: structuredClone(img.config) };
    planted.files.set("/modes/suid", { ...planted.files.get("/modes/suid")!, mode: 0o755 });
    planted.files.delete("/modes/plain");
    planted.files.set("/extra", { type: "file", mode: 0o644, uid: 0, gid: 0, size: 1, sha256: "sha256:00" });
    planted.config.config.Env = [...(planted.config.config.Env ?? []), "X=1"];
    planted.config.history = [...(planted.config.history ?? []), { created_by: "ENV X=1", empty_layer: true }];
    expect(compareFlattened(img, planted, { names: ["docker", "planted"] })).toEqual([
      "/extra: only in planted (file 00644 0:0)",
      "/modes/plain: only in docker (file 00640 123:456)",
      "/modes/suid: mode docker=04755 planted=00755",
      expect.stringMatching(/^config\.Env: docker=\[.*\] planted=\[.*"X=1"\]$/),
      expect.stringMatching(/^history: docker has 3 entries \(LLL\), planted has 4 \(LLL-\)/),
    ]);
  });

  it("sees ADD's extraction rules: destinations root 0755 or kept, the root entry ignored, entries' own owners", async () => {
    const a = await docker("add-extract-owners");
    const meta = (p: string) => {
      const f = a.files.get(p);
      return f && `${f.uid}:${f.gid} ${f.mode.toString(8)}`;
    };
    expect(["/new1", "/new2", "/new3", "/new4", "/new4/deeper", "/exist2", "/implied", "/implied/a", "/implied2/a", "/chmodded"].map(meta)).toEqual(
      Array(10).fill("0:0 755"),
    );
    expect(meta("/exist")).toBe("5:6 711");
    expect(meta("/exist2/sub")).toBe("1000:1001 750");
    expect([meta("/chowned"), meta("/chowned2"), meta("/chowned2/deep"), meta("/implied2")]).toEqual(Array(4).fill("7:8 755"));
    expect([meta("/chowned/t"), meta("/chowned2/deep/t"), meta("/chmodded/t")]).toEqual(Array(3).fill("1000:1001 2755"));
    expect(meta("/implied2/a/b/c.txt")).toBe("42:43 640");
  });

  it("sees whiteouts and opaque directories", async () => {
    const w = await docker("whiteout-rm");
    expect([...w.files.keys()].filter((p) => p.startsWith("/data"))).toEqual(["/data", "/data/keep", "/data/keep/a"]);
    expect(w.files.has("/bin/vi")).toBe(false);
    expect(w.files.has("/etc/group")).toBe(false);
    const o = await docker("opaque-dir");
    expect([...o.files.keys()].filter((p) => p.startsWith("/opq"))).toEqual(["/opq", "/opq/new"]);
    expect([...o.files.keys()].filter((p) => p.startsWith("/var"))).toEqual(["/var", "/var/only"]);
    expect(o.files.get("/var")?.mode).toBe(0o700);
  });

  it("sees file/dir replacement both ways", async () => {
    const f = await docker("file-dir-replace");
    expect(f.files.get("/was-file")?.type).toBe("dir");
    expect(f.files.get("/was-file/child")?.type).toBe("file");
    expect(f.files.get("/was-dir")?.type).toBe("file");
    expect(f.files.has("/was-dir/inner")).toBe(false);
    expect(f.files.get("/link-then-dir")?.type).toBe("dir");
    expect(f.files.get("/dir-then-link")).toMatchObject({ type: "symlink", linkTarget: "/etc" });
  });

  it("sees hardlinks as groups, and a broken link as separate files", async () => {
    const h = await docker("hardlinks");
    const a = h.files.get("/h/a")!;
    const b = h.files.get("/h/b")!;
    expect(b.sha256).toBe(a.sha256);
    expect([a.type, b.type].sort()).toEqual(["file", "hardlink"]);
    expect(h.files.get("/h/c")?.type).toBe("file");
    const ctx = [h.files.get("/ctx-links/one")!, h.files.get("/ctx-links/two")!];
    expect(ctx.map((e) => e.type).sort()).toEqual(["file", "hardlink"]);
    // Turning the hardlink into a copy of the same bytes is a difference.
    const [linked, linkName] = a.type === "hardlink" ? [a, "/h/a"] : [b, "/h/b"];
    const copy: FlattenedImage = { files: new Map(h.files), config: h.config };
    copy.files.set(linkName, { ...linked, type: "file", linkTarget: undefined });
    expect(compareFlattened(h, copy, { names: ["docker", "copy"] })).toEqual([
      `/h/a: hardlinked with docker=/h/b copy=(not hardlinked)`,
      `/h/b: hardlinked with docker=/h/a copy=(not hardlinked)`,
    ]);
  });

  it("sees special modes, owners, symlinks and COPY --chown/--chmod", async () => {
    expect((await file("special-modes", "/modes/suid"))?.mode).toBe(0o4755);
    expect((await file("special-modes", "/modes/sgid"))?.mode).toBe(0o2755);
    expect((await file("special-modes", "/modes/both"))?.mode).toBe(0o2711);
    expect((await file("special-modes", "/modes/sticky"))?.mode).toBe(0o1777);
    expect(await file("special-modes", "/modes/sgid-dir")).toMatchObject({ mode: 0o2775, uid: 1000, gid: 50 });
    expect(await file("symlinks", "/dangling")).toMatchObject({ type: "symlink", linkTarget: "/does/not/exist" });
    expect(await file("symlinks", "/ctx-links/dangling")).toMatchObject({ type: "symlink", linkTarget: "nowhere/at/all" });
    expect(await file("copy-chown", "/by-name/a.txt")).toMatchObject({ uid: 1000, gid: 50 });
    expect(await file("copy-chown", "/by-number/sub")).toMatchObject({ uid: 1000, gid: 1000 });
    expect(await file("copy-chown", "/default-owner/a.txt")).toMatchObject({ uid: 0, gid: 0 });
    expect(await file("copy-chmod", "/bin/run.sh")).toMatchObject({ mode: 0o755 });
    expect(await file("copy-chmod", "/home/app/data.txt")).toMatchObject({ mode: 0o640, uid: 1000, gid: 1000 });
    expect(await file("add-archives", "/unpacked-gz/tree/one")).toMatchObject({ mode: 0o4755, uid: 1234, gid: 5678 });
    expect((await file("add-archives", "/copied/not-really.tar.gz"))?.type).toBe("file");
  });

  it("sees config semantics: ENTRYPOINT resets an inherited CMD only", async () => {
    expect((await docker("entrypoint-resets-cmd")).config.config.Cmd ?? null).toBeNull();
    expect((await docker("cmd-entrypoint")).config.config).toMatchObject({ Cmd: ["echo", "from-cmd"], Entrypoint: ["/bin/echo", "entry"] });
    expect((await docker("target")).config.config.Env).toContain("STAGE=middle");
    expect((await docker("metadata")).config.config).toMatchObject({ User: "1000:1000", StopSignal: "SIGTERM" });
  });

  it("sees fifos and device nodes", async () => {
    expect(await file("special-files", "/fifo")).toMatchObject({ type: "fifo", mode: 0o600 });
    expect(await file("special-files", "/devs/null-copy")).toMatchObject({ type: "char", device: "1,3", uid: 1000, gid: 1000 });
    expect(await file("special-files", "/devs/loop-copy")).toMatchObject({ type: "block", device: "7,0" });
  });

  it("applies .dockerignore with ! and **", async () => {
    const d = await docker("dockerignore");
    const ctx = [...d.files.keys()].filter((p) => p.startsWith("/ctx/")).sort();
    expect(ctx).toEqual([
      "/ctx/.dockerignore",
      "/ctx/keep.log",
      "/ctx/build",
      "/ctx/build/a",
      "/ctx/build/a/keep",
      "/ctx/build/b",
      "/ctx/build/b/out",
      "/ctx/logs",
      "/ctx/logs/important.log",
      "/ctx/src",
      "/ctx/src/deep",
      "/ctx/src/main.txt",
    ].sort());
  });
});
