import { chown, link, lstat, mkdir, readlink, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isStrataError } from "@strata/core";
import { listTree, read, setMtime, setup } from "./testsuite/fixtures.js";

describe("copyInto: where things land", () => {
  it("copies a directory's contents, not the directory itself", async () => {
    const { rootfs, copy } = await setup({ "src/a.txt": "a", "src/sub/b.txt": "b" });
    await copy(["src"], "/app");
    expect(await listTree(rootfs)).toEqual(["app/", "app/a.txt", "app/sub/", "app/sub/b.txt"]);
  });

  it("puts a file inside a dest ending in / and inside an existing dir", async () => {
    const { rootfs, copy } = await setup({ "a.txt": "a" });
    await copy(["a.txt"], "/x/");
    await mkdir(path.join(rootfs, "y"));
    await copy(["a.txt"], "/y");
    expect(await read(path.join(rootfs, "x/a.txt"))).toBe("a");
    expect(await read(path.join(rootfs, "y/a.txt"))).toBe("a");
  });

  it("makes a file the dest itself when dest does not exist and has no slash", async () => {
    const { rootfs, copy } = await setup({ "a.txt": "a" });
    await copy(["a.txt"], "/opt/renamed");
    expect((await stat(path.join(rootfs, "opt/renamed"))).isFile()).toBe(true);
  });

  it("resolves a relative dest against workdir", async () => {
    const { rootfs, copy } = await setup({ "a.txt": "a" });
    await copy(["a.txt"], "./", { workdir: "/srv/app" });
    await copy(["a.txt"], "b.txt", { workdir: "/srv/app" });
    expect(await listTree(rootfs)).toEqual(["srv/", "srv/app/", "srv/app/a.txt", "srv/app/b.txt"]);
  });

  it("requires dest/ for several sources or several wildcard matches", async () => {
    const { copy } = await setup({ "a.txt": "a", "b.txt": "b" });
    const msg = "When using COPY with more than one source file, the destination must be a directory and end with a /";
    await expect(copy(["a.txt", "b.txt"], "/x")).rejects.toThrow(msg);
    await expect(copy(["*.txt"], "/x")).rejects.toThrow(msg);
    await expect(copy(["a.txt", "b.txt"], "/x/")).resolves.toEqual({ copied: 2 });
    // An existing directory is accepted without the slash, as BuildKit does.
    await expect(copy(["*.txt"], "/x")).resolves.toEqual({ copied: 2 });
  });

  it("expands Go-style wildcards per segment", async () => {
    const { rootfs, copy } = await setup({ "a1.txt": "1", "a2.txt": "2", "b.txt": "b", "d/x/p.csproj": "p", "d/y/q.csproj": "q", "[x].txt": "lit" });
    await copy(["a?.txt"], "/one/");
    await copy(["d/*/*.csproj"], "/two/");
    await copy(["\\[x\\].txt"], "/three/");
    await copy(["[ab]*.txt"], "/four/");
    expect(await listTree(path.join(rootfs, "one"))).toEqual(["a1.txt", "a2.txt"]);
    expect(await listTree(path.join(rootfs, "two"))).toEqual(["p.csproj", "q.csproj"]);
    expect(await listTree(path.join(rootfs, "three"))).toEqual(["[x].txt"]);
    expect(await listTree(path.join(rootfs, "four"))).toEqual(["a1.txt", "a2.txt", "b.txt"]);
  });

  it("accepts a wildcard matching nothing (BuildKit) but not a missing literal parent", async () => {
    const { copy } = await setup({ "a.txt": "a" });
    await expect(copy(["*.md"], "/x/")).resolves.toEqual({ copied: 0 });
    await expect(copy(["nodir/*.md"], "/x/")).rejects.toThrow(/file not found in build context.*nodir/);
  });

  it("fails clearly for a missing source", async () => {
    const { copy } = await setup({});
    const err = await copy(["missing.txt"], "/x").catch((e) => e);
    expect(isStrataError(err) && err.code).toBe("NOT_FOUND");
    expect(err.message).toBe("COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist");
  });

  it("clamps .. and absolute sources to the context root (BuildKit)", async () => {
    const { rootfs, copy } = await setup({ "x.txt": "inside" });
    await copy(["../x.txt"], "/a");
    await copy(["/x.txt"], "/b");
    await copy(["../../.."], "/c/");
    expect(await read(path.join(rootfs, "a"))).toBe("inside");
    expect(await read(path.join(rootfs, "b"))).toBe("inside");
    expect(await read(path.join(rootfs, "c/x.txt"))).toBe("inside");
  });

  it("merges into an existing dir and overwrites files", async () => {
    const { rootfs, copy } = await setup({ "src/a.txt": "new", "src/sub/b.txt": "b" });
    await mkdir(path.join(rootfs, "app/sub"), { recursive: true });
    await writeFile(path.join(rootfs, "app/a.txt"), "old");
    await writeFile(path.join(rootfs, "app/keep.txt"), "keep");
    await copy(["src"], "/app");
    expect(await listTree(path.join(rootfs, "app"))).toEqual(["a.txt", "keep.txt", "sub/", "sub/b.txt"]);
    expect(await read(path.join(rootfs, "app/a.txt"))).toBe("new");
  });

  it("refuses type clashes as BuildKit does: dir onto file, file onto dir", async () => {
    const { rootfs, copy } = await setup({ "src/sub/b.txt": "b", "f/x": "x", "g/sub": "file" });
    await mkdir(path.join(rootfs, "app"), { recursive: true });
    await writeFile(path.join(rootfs, "app/sub"), "a file");
    await expect(copy(["src"], "/app")).rejects.toThrow("COPY failed: cannot copy to non-directory: /app/sub");
    await writeFile(path.join(rootfs, "file"), "f");
    await expect(copy(["f"], "/file")).rejects.toThrow("COPY failed: cannot copy to non-directory: /file");
    await mkdir(path.join(rootfs, "h/sub"), { recursive: true });
    await expect(copy(["g"], "/h")).rejects.toThrow("COPY failed: cannot replace to directory /h/sub with file");
  });

  it("follows a dest symlink to a directory, inside the root", async () => {
    const { rootfs, copy } = await setup({ "a.txt": "a", "tree/lib/x.so": "so" });
    await mkdir(path.join(rootfs, "usr/lib"), { recursive: true });
    await symlink("/usr/lib", path.join(rootfs, "lib")); // absolute: must resolve inside rootfs
    await copy(["a.txt"], "/lib");
    await copy(["tree"], "/");
    expect(await read(path.join(rootfs, "usr/lib/a.txt"))).toBe("a");
    expect(await read(path.join(rootfs, "usr/lib/x.so"))).toBe("so");
    expect((await lstat(path.join(rootfs, "lib"))).isSymbolicLink()).toBe(true);
  });

  it("writes through a dest symlink to a file, resolved inside the root (BuildKit)", async () => {
    const { rootfs, copy } = await setup({ "a.txt": "a" });
    await writeFile(path.join(rootfs, "target"), "t");
    await symlink("/target", path.join(rootfs, "ln"));
    await symlink("/nowhere/new", path.join(rootfs, "dangling"));
    await copy(["a.txt"], "/ln");
    await copy(["a.txt"], "/dangling");
    expect(await read(path.join(rootfs, "target"))).toBe("a");
    expect((await lstat(path.join(rootfs, "ln"))).isSymbolicLink()).toBe(true);
    expect(await read(path.join(rootfs, "nowhere/new"))).toBe("a");
  });
});

describe("copyInto: what is preserved", () => {
  it("keeps symlinks in a tree as symlinks but follows a named one", async () => {
    const { rootfs, copy } = await setup({ "real.txt": "r", "named": { link: "real.txt" }, "tree/l": { link: "../real.txt" } });
    await copy(["tree"], "/t");
    await copy(["named"], "/n");
    expect(await readlink(path.join(rootfs, "t/l"))).toBe("../real.txt");
    expect((await lstat(path.join(rootfs, "n"))).isFile()).toBe(true);
    expect(await read(path.join(rootfs, "n"))).toBe("r");
  });

  it("preserves hardlinks within the copied tree", async () => {
    const { context, rootfs, copy } = await setup({ "tree/a": "same" });
    await link(path.join(context, "tree/a"), path.join(context, "tree/b"));
    await copy(["tree"], "/t");
    const [a, b] = await Promise.all([stat(path.join(rootfs, "t/a")), stat(path.join(rootfs, "t/b"))]);
    expect(a.ino).toBe(b.ino);
    expect(a.nlink).toBe(2);
  });

  it("keeps modes and mtimes, and makes context files 0:0", async () => {
    const { context, rootfs, copy } = await setup({ "tree/run.sh": { mode: 0o751, content: "#!" }, "tree/open": { mode: 0o777, content: "" }, "tree/priv/": "" });
    await chown(path.join(context, "tree/run.sh"), 1234, 4321);
    await setMtime(path.join(context, "tree/run.sh"), 1_000_000);
    await setMtime(path.join(context, "tree/priv"), 2_000_000);
    await copy(["tree"], "/t");
    const f = await stat(path.join(rootfs, "t/run.sh"));
    expect([f.mode & 0o7777, f.uid, f.gid, f.mtimeMs]).toEqual([0o751, 0, 0, 1_000_000_000]);
    expect((await stat(path.join(rootfs, "t/priv"))).mtimeMs).toBe(2_000_000_000);
    expect((await stat(path.join(rootfs, "t/open"))).mode & 0o7777).toBe(0o777); // no umask applied
  });

  it("keeps ownership from a stage source, clamps mtimes to SOURCE_DATE_EPOCH", async () => {
    const { context, rootfs, copy } = await setup({ "app/bin": "x" });
    await chown(path.join(context, "app/bin"), 1000, 1000);
    await copy(["/app/bin"], "/bin2", { sourceIsContext: false, sourceDateEpoch: 100 });
    const st = await stat(path.join(rootfs, "bin2"));
    expect([st.uid, st.gid, st.mtimeMs]).toEqual([1000, 1000, 100_000]);
  });

  it("applies --chmod to files and copied dirs, --chown to everything incl. created parents", async () => {
    const { rootfs, copy } = await setup({ "tree/a": "a", "tree/d/b": "b" });
    await copy(["tree"], "/deep/er/t", { chmod: "0750", chown: "7:8" });
    for (const p of ["deep/er/t/a", "deep/er/t/d/b", "deep/er/t/d"]) {
      const st = await stat(path.join(rootfs, p));
      expect([p, st.mode & 0o7777, st.uid, st.gid]).toEqual([p, 0o750, 7, 8]);
    }
    // The destination dir and its parents are plain 0755 mkdirs with the --chown owner (checked against BuildKit).
    for (const p of ["deep/er/t", "deep/er", "deep"]) {
      const st = await stat(path.join(rootfs, p));
      expect([p, st.mode & 0o7777, st.uid, st.gid]).toEqual([p, 0o755, 7, 8]);
    }
  });

  it("creates the destination dir 0755 even when the source dir is 0700", async () => {
    const { context, rootfs, copy } = await setup({ "priv/p.txt": "p" });
    const { chmod } = await import("node:fs/promises");
    await chmod(path.join(context, "priv"), 0o700);
    await copy(["priv"], "/newpriv");
    expect((await stat(path.join(rootfs, "newpriv"))).mode & 0o7777).toBe(0o755);
  });

  it("recreates FIFOs from a stage and gives created dirs the SOURCE_DATE_EPOCH time", async () => {
    const { context, rootfs, copy } = await setup({ "stage/": "" });
    const { execa } = await import("execa");
    await execa("mkfifo", ["-m", "0640", path.join(context, "stage/pipe")]);
    await copy(["/stage"], "/new/dir", { sourceIsContext: false, sourceDateEpoch: 86_400 });
    const st = await lstat(path.join(rootfs, "new/dir/pipe"));
    expect([st.isFIFO(), st.mode & 0o7777]).toEqual([true, 0o640]);
    expect((await stat(path.join(rootfs, "new"))).mtimeMs).toBe(86_400_000);
  });

  it("writes heredoc sources as 0644 files", async () => {
    const { rootfs, copy } = await setup({});
    await copy([], "/etc/motd", { inline: [{ name: "EOF", content: "hi\n" }] });
    await copy([], "/scripts/", { inline: [{ name: "run.sh", content: "echo" }, { name: "b", content: "b" }], chmod: "755" });
    expect(await read(path.join(rootfs, "etc/motd"))).toBe("hi\n");
    expect((await stat(path.join(rootfs, "etc/motd"))).mode & 0o7777).toBe(0o644);
    expect((await stat(path.join(rootfs, "scripts/run.sh"))).mode & 0o7777).toBe(0o755);
  });
});
