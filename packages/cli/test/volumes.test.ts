import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, lchown, link, lstat, mkdir, readFile, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cleanup, makeContext, mountsUnder, rootWithBusybox, strata, tempDir } from "./helpers.js";
import { eventually, removeAllContainers } from "./container-helpers.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function get(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await (await fetch(url)).text();
    } catch (e) {
      if (attempt > 60) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Every entry below `dir`: type, mode, owner, size, content hash, link target, hardlink group, xattrs. */
async function describeTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const inodes = new Map<number, string>();
  const xattrs = async (p: string) => {
    const r = await execa("getfattr", ["-h", "-d", "-m", "-", "--absolute-names", p], { reject: false });
    return r.stdout.split("\n").filter((l) => l && !l.startsWith("#")).sort().join(";");
  };
  const walk = async (rel: string) => {
    const p = path.join(dir, rel);
    const st = await lstat(p);
    const type = st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : st.isFIFO() ? "fifo" : st.isFile() ? "file" : "other";
    let extra = "";
    if (st.isFile()) {
      extra = createHash("sha256").update(await readFile(p)).digest("hex");
      if (st.nlink > 1) {
        const first = inodes.get(st.ino);
        if (first === undefined) inodes.set(st.ino, rel);
        extra += ` link-group=${first ?? rel}`;
      }
    }
    if (st.isSymbolicLink()) extra = `-> ${await readlink(p)}`;
    out[rel || "."] = `${type} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? "" : st.size} ${extra} ${await xattrs(p)}`;
    if (st.isDirectory()) for (const n of (await readdir(p)).sort()) await walk(rel ? `${rel}/${n}` : n);
  };
  await walk("");
  return out;
}

describe("data volumes: named, anonymous, bind, tmpfs, volumes-from, backup and restore (needs root, runc, conmon)", () => {
  let root: string;
  let host: string;
  const volumeCount = async () => (await strata(root, ["volume", "ls", "-q"])).stdout.split("\n").filter(Boolean).length;

  beforeAll(async () => {
    root = await rootWithBusybox();
    host = await tempDir("volumes-host");
  });
  afterAll(async () => {
    const left = await removeAllContainers(root);
    await cleanup(root, host);
    expect(left).toEqual({ mounts: [], processes: [] });
  });

  it("the httpd walk-through: a host directory served from busybox httpd, edits show, a single-file bind, :ro refuses writes", async () => {
    const htdocs = path.join(host, "htdocs");
    await mkdir(htdocs);
    await writeFile(path.join(htdocs, "index.html"), "<h1>first version</h1>\n");
    const port = await freePort();
    const r = await strata(root, ["run", "-d", "--name", "httpd", "-p", `127.0.0.1:${port}:80`, "-v", `${htdocs}:/www`, "busybox", "httpd", "-f", "-p", "80", "-h", "/www"]);
    expect(r.exitCode, r.all).toBe(0);
    expect(await get(`http://127.0.0.1:${port}/`)).toBe("<h1>first version</h1>\n");
    await writeFile(path.join(htdocs, "index.html"), "<h1>edited on the host</h1>\n");
    expect(await get(`http://127.0.0.1:${port}/`)).toBe("<h1>edited on the host</h1>\n");
    const mounts = JSON.parse((await strata(root, ["inspect", "-f", "{{json .Mounts}}", "httpd"])).stdout);
    expect(mounts).toEqual([{ Type: "bind", Source: htdocs, Destination: "/www", Mode: "", RW: true, Propagation: "rprivate" }]);
    await strata(root, ["rm", "-f", "httpd"]);

    const page = path.join(htdocs, "index.html");
    const single = await strata(root, ["run", "--rm", "-v", `${page}:/srv/page.html`, "busybox", "cat", "/srv/page.html"]);
    expect(single.stdout).toBe("<h1>edited on the host</h1>");
    const ro = await strata(root, ["run", "--rm", "-v", `${htdocs}:/www:ro`, "busybox", "sh", "-c", "cat /www/index.html; echo x > /www/new"]);
    expect(ro.exitCode).not.toBe(0);
    expect(ro.stdout).toBe("<h1>edited on the host</h1>");
    expect(ro.stderr).toContain("Read-only file system");
    expect(existsSync(path.join(htdocs, "new"))).toBe(false);
    const roMount = await strata(root, ["run", "--rm", "--mount", `type=bind,source=${htdocs},target=/www,readonly`, "busybox", "touch", "/www/new"]);
    expect(roMount.exitCode).not.toBe(0);
  });

  it("a managed volume on a path with image content is pre-filled; its data outlives containers; rm -v keeps named volumes only", async () => {
    const c = await strata(root, ["run", "--name", "writer", "-v", "etcvol:/etc", "-v", "/anon", "busybox", "sh", "-c", "cat /etc/passwd | head -1 && echo kept > /etc/written && echo scratch > /anon/x"]);
    expect(c.exitCode, c.all).toBe(0);
    expect(c.stdout).toBe("root:x:0:0:root:/root:/bin/sh");
    const vols = (await strata(root, ["volume", "ls", "-q"])).stdout.split("\n");
    expect(vols).toContain("etcvol");
    const anon = vols.find((v) => /^[0-9a-f]{64}$/.test(v))!;
    expect(anon).toBeDefined();
    const data = path.join(root, "volumes/etcvol/_data");
    expect((await readdir(data)).sort()).toEqual(expect.arrayContaining(["group", "passwd", "written"]));
    // The image's /etc was copied with its modes and owners.
    expect((await lstat(path.join(data, "passwd"))).mode & 0o777).toBe(0o644);
    // ps -s counts the writable layer only, never the volume's bytes.
    const size = (await strata(root, ["ps", "-a", "-s", "--filter", "name=writer", "--format", "{{.Size}}"])).stdout;
    expect(size).toMatch(/^0B \(virtual /);
    await strata(root, ["rm", "-v", "writer"]);
    expect((await strata(root, ["volume", "ls", "-q"])).stdout.split("\n")).toEqual(expect.arrayContaining(["etcvol"]));
    expect((await strata(root, ["volume", "ls", "-q"])).stdout).not.toContain(anon);
    const reader = await strata(root, ["run", "--rm", "-v", "etcvol:/data", "busybox", "cat", "/data/written"]);
    expect(reader.stdout).toBe("kept");
    // volume-nocopy: an empty volume stays empty.
    await strata(root, ["run", "--rm", "--mount", "type=volume,source=nocopy,target=/etc,volume-nocopy", "busybox", "true"]);
    expect((await readdir(path.join(root, "volumes/nocopy/_data"))).filter((n) => !["hosts", "hostname", "resolv.conf"].includes(n))).toEqual([]);
    // --read-only containers still write to their volumes; tmpfs mounts work.
    const rw = await strata(root, ["run", "--rm", "--read-only", "-v", "etcvol:/data", "--mount", "type=tmpfs,target=/scratch,tmpfs-size=1m", "busybox", "sh", "-c", "echo ok > /data/ro-ok && echo t > /scratch/t && cat /data/ro-ok /scratch/t && ! touch /elsewhere"]);
    expect([rw.exitCode, rw.stdout]).toEqual([0, "ok\nt"]);
  });

  it("volume rm refuses a volume in use; prune leaves volumes in use (and named ones without -a)", async () => {
    await strata(root, ["volume", "create", "--label", "team=a", "inuse"]);
    await strata(root, ["create", "--name", "holder", "-v", "inuse:/d", "-v", "/anon2", "busybox", "true"]);
    const rm1 = await strata(root, ["volume", "rm", "inuse"]);
    expect(rm1.exitCode).toBe(1);
    expect(rm1.stderr).toMatch(/^error: remove inuse: volume is in use - \[[0-9a-f]{64}\]$/);
    await strata(root, ["volume", "create", "unused-named"]);
    await strata(root, ["run", "--rm", "-v", "/anon3", "--name", "gone", "busybox", "true"]); // --rm takes its anonymous volume along
    const before = (await strata(root, ["volume", "ls", "-q"])).stdout.split("\n");
    const prune = await strata(root, ["volume", "prune", "-f"]);
    expect(prune.exitCode, prune.all).toBe(0);
    const after = (await strata(root, ["volume", "ls", "-q"])).stdout.split("\n");
    expect(after).toEqual(expect.arrayContaining(["inuse", "unused-named"]));
    expect(after.length).toBe(before.length); // nothing anonymous was unused
    expect((await strata(root, ["volume", "ls", "--filter", "dangling=true", "-q"])).stdout.split("\n")).toContain("unused-named");
    expect((await strata(root, ["volume", "ls", "--filter", "label=team=a", "-q"])).stdout).toBe("inuse");
    const pruneAll = await strata(root, ["volume", "prune", "-a", "-f"]);
    expect(pruneAll.stdout).toMatch(/^Deleted Volumes:\n(.+\n)*unused-named\n(.+\n)*\nTotal reclaimed space: /);
    expect((await strata(root, ["volume", "ls", "-q"])).stdout.split("\n")).toContain("inuse");
    expect(JSON.parse((await strata(root, ["volume", "inspect", "inuse"])).stdout)[0]).toMatchObject({ Name: "inuse", Driver: "local", Labels: { team: "a" }, Scope: "local", Mountpoint: path.join(root, "volumes/inuse/_data") });
    const df = (await strata(root, ["system", "df"])).stdout;
    expect(df).toMatch(/Local Volumes +\d+ +\d+ +/);
    expect((await strata(root, ["system", "df", "-v"])).stdout).toMatch(/Local Volumes space usage:\n\nVOLUME NAME +LINKS +SIZE\n(.*\n)*inuse +1 +0B/);
    await strata(root, ["rm", "-v", "holder"]);
    expect((await strata(root, ["volume", "rm", "inuse"])).stdout).toBe("inuse");
  });

  it("--volumes-from a created-only container and a data-packed volume container (ADD + VOLUME): shared, writable unless :ro", async () => {
    await strata(root, ["create", "--name", "vc_data", "-v", "/data", "busybox"]);
    expect((await strata(root, ["run", "--rm", "--volumes-from", "vc_data", "busybox", "sh", "-c", "echo shared > /data/f"])).exitCode).toBe(0);
    expect((await strata(root, ["run", "--rm", "--volumes-from", "vc_data", "busybox", "cat", "/data/f"])).stdout).toBe("shared");
    const ro = await strata(root, ["run", "--rm", "--volumes-from", "vc_data:ro", "busybox", "sh", "-c", "echo no > /data/f"]);
    expect(ro.exitCode).not.toBe(0);
    expect(ro.stderr).toContain("Read-only file system");

    const ctx = await makeContext({
      "htdocs/index.html": "<p>packed in the image</p>\n",
      "htdocs/css/site.css": "body{}\n",
      Dockerfile: "FROM busybox\nADD htdocs /www\nRUN chown -R 33:33 /www\nVOLUME /www\nCMD [\"true\"]\n",
    });
    const b = await strata(root, ["build", "-q", "-t", "strata-test/webdata", ctx]);
    expect(b.exitCode, b.all).toBe(0);
    await cleanup(ctx);
    await strata(root, ["create", "--name", "webdata", "strata-test/webdata"]);
    const seen = await strata(root, ["run", "--rm", "--volumes-from", "webdata", "busybox", "sh", "-c", "cat /www/index.html && stat -c '%u:%g' /www/css/site.css && echo added > /www/new"]);
    expect([seen.exitCode, seen.stdout]).toEqual([0, "<p>packed in the image</p>\n33:33"]);
    expect((await strata(root, ["run", "--rm", "--volumes-from", "webdata", "busybox", "cat", "/www/new"])).stdout).toBe("added");
    const port = await freePort();
    await strata(root, ["run", "-d", "--name", "packed-httpd", "-p", `127.0.0.1:${port}:80`, "--volumes-from", "webdata:ro", "busybox", "httpd", "-f", "-p", "80", "-h", "/www"]);
    expect(await get(`http://127.0.0.1:${port}/`)).toBe("<p>packed in the image</p>\n");
    await strata(root, ["rm", "-f", "packed-httpd", "vc_data", "webdata"]);
  });

  it("volume export then import into a new volume gives the identical tree; so does the Docker-style tar backup through --volumes-from", async () => {
    const fill = "mkdir -p /data/sub/deep && echo one > /data/sub/a && ln /data/sub/a /data/hard && ln -s sub/a /data/rel && ln -s /etc/passwd /data/abs && mkfifo /data/fifo && head -c 100000 /dev/urandom > /data/sub/deep/bin && chown 123:456 /data/sub/a && chmod 4750 /data/sub/a && chmod 1777 /data/sub/deep && chmod 710 /data";
    expect((await strata(root, ["run", "--rm", "-v", "orig:/data", "busybox", "sh", "-c", fill])).exitCode).toBe(0);
    await execa("setfattr", ["-n", "user.note", "-v", "hello", path.join(root, "volumes/orig/_data/sub/a")]);
    await execa("setfattr", ["-h", "-n", "user.link", "-v", "on-symlink", path.join(root, "volumes/orig/_data/rel")], { reject: false });
    const tarFile = path.join(host, "orig.tar");
    expect((await strata(root, ["volume", "export", "orig", "-o", tarFile])).exitCode).toBe(0);
    expect((await strata(root, ["volume", "import", "copy", tarFile])).exitCode).toBe(0);
    const original = await describeTree(path.join(root, "volumes/orig/_data"));
    expect(await describeTree(path.join(root, "volumes/copy/_data"))).toEqual(original);
    // through stdin and stdout
    const piped = await execa("bash", ["-c", `${CLI} --root ${root} volume export orig | ${CLI} --root ${root} volume import piped -`]);
    expect(piped.exitCode).toBe(0);
    expect(await describeTree(path.join(root, "volumes/piped/_data"))).toEqual(original);

    // Docker's backup: a container with --volumes-from and a bind of the host directory runs tar.
    await strata(root, ["create", "--name", "dbstore", "-v", "orig:/data", "busybox"]);
    const backup = await strata(root, ["run", "--rm", "--volumes-from", "dbstore", "-v", `${host}:/backup`, "busybox", "tar", "cf", "/backup/backup.tar", "/data"]);
    expect(backup.exitCode, backup.all).toBe(0);
    await strata(root, ["create", "--name", "dbstore2", "-v", "restored:/data", "busybox"]);
    const restore = await strata(root, ["run", "--rm", "--volumes-from", "dbstore2", "-v", `${host}:/backup`, "busybox", "sh", "-c", "cd /data && tar xf /backup/backup.tar --strip-components 1"]);
    expect(restore.exitCode, restore.all).toBe(0);
    // busybox tar keeps no xattrs, and `--strip-components 1` drops the volume root's own entry.
    const strip = (t: Record<string, string>) =>
      Object.fromEntries(Object.entries(t).filter(([k]) => k !== ".").map(([k, v]) => [k, v.replace(/ [^ ]*$/, "")]));
    expect(strip(await describeTree(path.join(root, "volumes/restored/_data")))).toEqual(strip(original));
    await strata(root, ["rm", "dbstore", "dbstore2"]);

    // A tar with a path that escapes is refused, and the volume stays as it was.
    const evil = path.join(host, "evil.tar");
    const evilSrc = path.join(host, "evil");
    await mkdir(evilSrc);
    await writeFile(path.join(evilSrc, "x"), "x");
    await execa("tar", ["-C", evilSrc, "-cf", evil, "--transform", "s,^x,../../escaped,", "x"]);
    const bad = await strata(root, ["volume", "import", "copy", evil]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/escapes the root/);
    expect(await describeTree(path.join(root, "volumes/copy/_data"))).toEqual(original);
    expect(existsSync(path.join(root, "volumes/escaped"))).toBe(false);
  });

  it("an interrupted import leaves the volume as it was", async () => {
    const big = path.join(host, "big");
    await mkdir(big);
    for (let i = 0; i < 20; i++) await writeFile(path.join(big, `f${i}`), Buffer.alloc(5_000_000, i));
    const tarFile = path.join(host, "big.tar");
    await execa("tar", ["-C", big, "-cf", tarFile, "."]);
    await strata(root, ["run", "--rm", "-v", "victim:/v", "busybox", "sh", "-c", "echo before > /v/marker"]);
    const before = await describeTree(path.join(root, "volumes/victim/_data"));
    const cli = execa(CLI, ["--root", root, "volume", "import", "victim", tarFile], { reject: false });
    await eventually(async () => (await readdir(path.join(root, "volumes/victim"))).some((n) => n.startsWith("_data.import-")), 10_000, "the import staging");
    cli.kill("SIGKILL");
    await cli;
    expect(await describeTree(path.join(root, "volumes/victim/_data"))).toEqual(before);
    await strata(root, ["volume", "ls"]); // the next command clears the dead import's staging
    expect((await readdir(path.join(root, "volumes/victim"))).sort()).toEqual(["_data", "volume.json"]);
  });

  it("bad volume specs: one clear line, exit 125, nothing created; -v makes a missing host directory, --mount refuses it", async () => {
    const n = await volumeCount();
    const containers = (await strata(root, ["ps", "-aq"])).stdout;
    const missing = path.join(host, "missing-dir");
    const cases: [string[], RegExp][] = [
      [["-v", "data:"], /empty section between colons/],
      [["-v", "./relative:/d"], /includes invalid characters for a local volume name.*use absolute path/],
      [["-v", "data:relative"], /mount path must be absolute/],
      [["--mount", `type=bind,source=${missing},target=/d`], /bind source path does not exist/],
      [["--mount", "type=volume,target=rel"], /mount path must be absolute/],
      [["--mount", "source=x"], /target is required/],
      [["-v", "one:/d", "-v", "two:/d"], /Duplicate mount point: \/d/],
      [["--volumes-from", "nosuchcontainer"], /No such container: nosuchcontainer/],
      [["-v", "bad@name:/d"], /includes invalid characters for a local volume name/],
      [["-v", "data:/d:rx"], /invalid mode: rx/],
    ];
    for (const [flags, message] of cases) {
      const r = await strata(root, ["run", "--rm", ...flags, "busybox", "true"]);
      expect(r.exitCode, `${flags.join(" ")}: ${r.all}`).toBe(125);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n").filter((l) => !l.startsWith("hint:"))).toHaveLength(1);
    }
    expect(await volumeCount()).toBe(n);
    expect((await strata(root, ["ps", "-aq"])).stdout).toBe(containers);
    expect(existsSync(missing)).toBe(false);
    const made = await strata(root, ["run", "--rm", "-v", `${missing}:/d`, "busybox", "sh", "-c", "echo hi > /d/f"]);
    expect(made.exitCode, made.all).toBe(0);
    expect(await readFile(path.join(missing, "f"), "utf8")).toBe("hi\n");
    expect((await strata(root, ["volume", "create", "bad/name"])).exitCode).toBe(1);
    expect((await strata(root, ["volume", "rm", "nosuchvolume"])).stderr).toContain("no such volume");
  });

  it("a bind mount is never followed out through a symlink planted at its target", async () => {
    const probe = path.join(host, "escape-probe");
    const ctx = await makeContext({ Dockerfile: `FROM busybox\nRUN ln -s ${probe} /target && ln -s ../../../../../../${probe.slice(1)} /target2\n` });
    const b = await strata(root, ["build", "-q", "-t", "strata-test/planted", ctx]);
    expect(b.exitCode, b.all).toBe(0);
    await cleanup(ctx);
    const src = path.join(host, "bindsrc");
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, "secret"), "from the bind");
    for (const target of ["/target", "/target2"]) {
      const r = await strata(root, ["run", "-d", "--name", "planted", "-v", `${src}:${target}`, "strata-test/planted", "sleep", "1000"]);
      expect(r.exitCode, r.all).toBe(0);
      // Mounted inside the container's root, where the symlink points in there; nothing on the host.
      expect(existsSync(probe)).toBe(false);
      expect((await mountsUnder(host)).filter((m) => m.startsWith(probe))).toEqual([]);
      expect((await strata(root, ["exec", "planted", "cat", `${probe}/secret`])).stdout).toBe("from the bind");
      await strata(root, ["rm", "-f", "planted"]);
    }
  });
});
