import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareFlattened, flattenImageArchive } from "../src/index.js";
import { dir, file, hardlink, symlink, writeDockerArchive, writeOciArchive } from "../src/fixtures/image-archives.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "testkit-flatten-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const lower = [
  dir("a/"),
  file("a/keep", "k"),
  file("a/gone", "g"),
  dir("a/sub/"),
  file("a/sub/deep", "d"),
  dir("o/"),
  file("o/old", "o"),
  dir("o/olddir/"),
  file("o/olddir/x", "x"),
  file("f2d", "file"),
  dir("d2f/"),
  file("d2f/child", "c"),
];
const upper = [
  file("a/.wh.gone", ""),
  file("a/.wh.sub", ""),
  dir("o/"),
  file("o/.wh..wh..opq", ""),
  file("o/new", "n"),
  dir("f2d/"),
  file("f2d/inside", "i"),
  file("d2f", "now a file"),
];

describe("flattenImageArchive", () => {
  it.each([
    ["legacy docker-archive", { layout: "legacy" as const }],
    ["blobs docker-archive, gzip layers", { layout: "blobs" as const, gzip: true }],
  ])("applies whiteouts, opaque dirs and replacements (%s)", async (_n, opts) => {
    const tar = path.join(tmp, `img-${opts.layout}.tar`);
    await writeDockerArchive(tar, [lower, upper], opts);
    const img = await flattenImageArchive(tar);
    expect([...img.files.keys()]).toEqual(["/a", "/a/keep", "/d2f", "/f2d", "/f2d/inside", "/o", "/o/new"]);
    expect(img.files.get("/d2f")).toMatchObject({ type: "file", size: 10 });
    expect(img.config.rootfs.diff_ids).toHaveLength(2);
  });

  it("reads OCI layout archives", async () => {
    const tar = path.join(tmp, "oci.tar");
    await writeOciArchive(tar, [lower, upper]);
    const img = await flattenImageArchive(tar);
    expect([...img.files.keys()]).toEqual(["/a", "/a/keep", "/d2f", "/f2d", "/f2d/inside", "/o", "/o/new"]);
  });

  it("keeps modes with special bits, owners, xattrs, long names, links", async () => {
    const long = `deep/${"x".repeat(120)}/${"y".repeat(90)}`;
    const tar = path.join(tmp, "attrs.tar");
    await writeDockerArchive(tar, [
      [
        dir("deep/"),
        file(long, "long"),
        file("suid", "s", 0o4755, { uid: 1000, gid: 50 }),
        dir("sticky/", 0o1777),
        file("cap", "c", 0o755, { xattrs: { "security.capability": "AQAAAg" } }),
        file("orig", "same"),
        hardlink("link", "orig"),
        symlink("dangling", "/no/where"),
      ],
    ]);
    const img = await flattenImageArchive(tar);
    expect(img.files.get(`/${long}`)).toMatchObject({ type: "file", size: 4 });
    expect(img.files.get("/suid")).toMatchObject({ mode: 0o4755, uid: 1000, gid: 50 });
    expect(img.files.get("/sticky")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(img.files.get("/cap")?.xattrs).toEqual({ "security.capability": "AQAAAg" });
    expect(img.files.get("/link")).toMatchObject({ type: "hardlink", linkTarget: "/orig", size: 4, sha256: img.files.get("/orig")!.sha256 });
    expect(img.files.get("/dangling")).toMatchObject({ type: "symlink", linkTarget: "/no/where" });
  });
});

describe("compareFlattened", () => {
  it("is empty for equal images and names each difference", async () => {
    const a = path.join(tmp, "cmp-a.tar");
    const b = path.join(tmp, "cmp-b.tar");
    await writeDockerArchive(a, [[dir("d/"), file("d/x", "1"), file("d/y", "1"), hardlink("d/z", "d/x"), symlink("s", "d/x")]], { env: ["A=1"] });
    await writeDockerArchive(b, [[dir("d/", 0o700), file("d/x", "1"), file("d/y", "2"), file("d/z", "1"), symlink("s", "d/y")]], { env: ["A=2"] });
    const ia = await flattenImageArchive(a);
    const ib = await flattenImageArchive(b);
    expect(compareFlattened(ia, ia)).toEqual([]);
    expect(compareFlattened(ia, ib, { names: ["docker", "strata"] })).toEqual([
      "/d: mode docker=00755 strata=00700",
      "/d/x: hardlinked with docker=/d/z strata=(not hardlinked)",
      expect.stringMatching(/^\/d\/y: content docker=sha256:\w+ strata=sha256:\w+$/),
      "/d/z: hardlinked with docker=/d/x strata=(not hardlinked)",
      "/s: link target docker=d/x strata=d/y",
      'config.Env: docker=["A=1"] strata=["A=2"]',
    ]);
    expect(compareFlattened(ia, ib, { ignorePaths: [/^\/d/, /^\/s$/] })).toEqual(['config.Env: a=["A=1"] b=["A=2"]']);
  });

  it("treats which member of a hardlink pair is the 'link' as irrelevant", async () => {
    const a = path.join(tmp, "hl-a.tar");
    const b = path.join(tmp, "hl-b.tar");
    await writeDockerArchive(a, [[file("p", "same"), hardlink("q", "p")]]);
    await writeDockerArchive(b, [[file("q", "same"), hardlink("p", "q")]]);
    expect(compareFlattened(await flattenImageArchive(a), await flattenImageArchive(b))).toEqual([]);
  });
});
