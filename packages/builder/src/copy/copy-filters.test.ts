import path from "node:path";
import { describe, expect, it } from "vitest";
import { createIgnoreMatcher } from "./ignore.js";
import { listTree, setup } from "./testsuite/fixtures.js";

describe("copyInto: .dockerignore, --exclude, --parents", () => {
  it("treats an ignored source as missing, and skips ignored files inside a copied dir", async () => {
    const { rootfs, copy } = await setup({ "secret.env": "s", "app/a.ts": "a", "app/node_modules/x/i.js": "x", "app/b.log": "l" });
    const ignore = createIgnoreMatcher(["secret.env", "**/node_modules", "*/*.log"]);
    await expect(copy(["secret.env"], "/x", { ignore })).rejects.toThrow(
      "COPY failed: file not found in build context or excluded by .dockerignore: stat secret.env: file does not exist",
    );
    await copy(["."], "/ctx/", { ignore });
    expect(await listTree(path.join(rootfs, "ctx"))).toEqual(["app/", "app/a.ts"]);
  });

  it("re-includes files under an ignored directory with ! patterns", async () => {
    const { rootfs, copy } = await setup({ "docs/a.md": "a", "docs/keep/k.md": "k", "docs/z.md": "z" });
    const ignore = createIgnoreMatcher(["docs", "!docs/keep"]);
    await copy(["."], "/c/", { ignore });
    expect(await listTree(path.join(rootfs, "c"))).toEqual(["docs/", "docs/keep/", "docs/keep/k.md"]);
    await copy(["docs"], "/d/", { ignore });
    expect(await listTree(path.join(rootfs, "d"))).toEqual(["keep/", "keep/k.md"]);
  });

  it("accepts a plain ignore function (no hasNegations): ignored dirs are walked, and missing if empty", async () => {
    const { rootfs, copy } = await setup({ "docs/a.md": "a", "src/x.ts": "x" });
    const ignore = (rel: string) => rel === "docs" || rel.startsWith("docs/");
    await expect(copy(["docs"], "/d/", { ignore })).rejects.toThrow(/not found.*stat docs/);
    await copy(["."], "/all/", { ignore });
    expect(await listTree(path.join(rootfs, "all"))).toEqual(["src/", "src/x.ts"]);
  });

  it("does not apply .dockerignore to stage sources", async () => {
    const { rootfs, copy } = await setup({ "secret.env": "s" });
    await copy(["/secret.env"], "/x", { sourceIsContext: false, ignore: createIgnoreMatcher(["secret.env"]) });
    expect(await listTree(rootfs)).toEqual(["x"]);
  });

  it("applies --exclude relative to each source (dir contents, or a file's name)", async () => {
    const { rootfs, copy } = await setup({ "src/a.ts": "a", "src/a.test.ts": "t", "src/sub/b.test.ts": "t", "home1.txt": "1", "home2.md": "2" });
    await copy(["src"], "/s/", { excludes: ["*.test.ts", "sub"] });
    await copy(["hom*"], "/h/", { excludes: ["*.txt"] });
    expect(await listTree(path.join(rootfs, "s"))).toEqual(["a.ts"]);
    expect(await listTree(path.join(rootfs, "h"))).toEqual(["home2.md"]);
  });

  it("--parents keeps the source path, or the part after a /./ pivot", async () => {
    const { rootfs, copy } = await setup({ "x/a/f.txt": "1", "y/b/g.txt": "2", "y/b/h/i.txt": "3", "z/deep/k.txt": "4" });
    await copy(["x/a/f.txt", "y/*/g.txt", "y/b/h"], "/p/", { parents: true });
    await copy(["z/./deep/k.txt"], "/q/", { parents: true });
    expect(await listTree(path.join(rootfs, "p"))).toEqual(["x/", "x/a/", "x/a/f.txt", "y/", "y/b/", "y/b/g.txt", "y/b/h/", "y/b/h/i.txt"]);
    expect(await listTree(path.join(rootfs, "q"))).toEqual(["deep/", "deep/k.txt"]);
  });
});

describe("createIgnoreMatcher", () => {
  const cases: [string[], string, boolean][] = [
    [["foo"], "foo/bar", true],
    [["foo"], "a/foo", false],
    [["/foo/"], "foo", true],
    [["./foo"], "foo/x", true],
    [["foo/../bar"], "bar", true],
    [["*.md", "!README.md"], "README.md", false],
    [["*.md"], "d/a.md", false],
    [["**/*.md"], "d/e/a.md", true],
    [["# comment", "", "  x  "], "x", true],
    [["# comment"], "# comment", false],
    [["a/**"], "a/b/c", true],
    [["[a-c]x"], "bx", true],
    [["a\\*b"], "a*b", true],
    [["a\\*b"], "axb", false],
    [["Dockerfile", ".dockerignore"], "Dockerfile", true],
    [["Dockerfile", ".dockerignore"], ".dockerignore", true],
    [["*", "!keep"], "keep", false],
    [["/"], "x", false],
  ];
  it.each(cases)("%j on %s → %s", (patterns, rel, want) => {
    expect(createIgnoreMatcher(patterns)(rel)).toBe(want);
  });

  it("reports whether it has negations", () => {
    expect(createIgnoreMatcher(["a", "!b"]).hasNegations).toBe(true);
    expect(createIgnoreMatcher(["a"]).hasNegations).toBe(false);
  });
});

describe("copyInto: symlinks in the destination never lead outside it", () => {
  it("--parents through an absolute dest symlink stays in the rootfs", async () => {
    const { rootfs, copy } = await setup({ "lib/x.so": "so" });
    const { mkdir, symlink } = await import("node:fs/promises");
    await mkdir(path.join(rootfs, "usr/lib"), { recursive: true });
    await symlink("/usr/lib", path.join(rootfs, "lib"));
    await copy(["lib/x.so"], "/", { parents: true });
    expect(await listTree(path.join(rootfs, "usr"))).toEqual(["lib/", "lib/x.so"]);
  });
});
