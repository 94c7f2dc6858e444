import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256, type Digest } from "@strata/core";
import { openStore, type Store } from "./index.js";
import { buildChildModules, runScript } from "./testsuite/child.js";
import { makeTmp } from "./testsuite/fixtures.js";

let tmp: Awaited<ReturnType<typeof makeTmp>>;
let store: Store;
beforeEach(async () => {
  tmp = await makeTmp();
  store = await openStore(path.join(tmp.dir, "root"));
});
afterEach(() => tmp.cleanup());

const ingestFiles = () => readdir(path.join(store.root, "ingest"));

describe("openStore", () => {
  it("creates a valid OCI image layout", async () => {
    expect(JSON.parse(await readFile(path.join(store.root, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    const index = JSON.parse(await readFile(path.join(store.root, "index.json"), "utf8"));
    expect(index).toMatchObject({ schemaVersion: 2, manifests: [] });
    expect((await stat(path.join(store.root, "blobs", "sha256"))).isDirectory()).toBe(true);
  });

  it("removes ingest leftovers of dead writers but not of live ones", async () => {
    const ingest = path.join(store.root, "ingest");
    await writeFile(path.join(ingest, "99999999-deadbeef"), "partial");
    await writeFile(path.join(ingest, "garbage"), "partial");
    await writeFile(path.join(ingest, `${process.pid}-live`), "in flight");
    await openStore(store.root);
    expect(await ingestFiles()).toEqual([`${process.pid}-live`]);
  });

  it("reports an unwritable root as PERMISSION_DENIED naming the path", async () => {
    const file = path.join(tmp.dir, "plainfile");
    await writeFile(file, "x");
    await expect(openStore(path.join(file, "root"))).rejects.toMatchObject({ message: expect.stringContaining(file) });
    // Root bypasses permission bits, so the unwritable case runs as nobody in a child process.
    await chmod(tmp.dir, 0o755);
    const mods = await buildChildModules(path.join(tmp.dir, "mods"));
    const target = path.join(tmp.dir, "root", "sub");
    const r = await runScript(
      tmp.dir,
      "perm.mjs",
      `import { openStore } from ${JSON.stringify(mods)};
       try { await openStore(${JSON.stringify(target)}); console.log("opened"); }
       catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
      { uid: 65534, gid: 65534 },
    );
    expect(JSON.parse(String(r.stdout))).toEqual({ code: "PERMISSION_DENIED", message: expect.stringContaining(target) });
  });
});

describe("content store", () => {
  it("writes, hashes and commits a blob read-only", async () => {
    const w = await store.content.writer({ ref: "t" });
    await w.write(Buffer.from("hello "));
    await w.write(Buffer.from("world"));
    expect(w.offset).toBe(11);
    const info = await w.commit({ size: 11, digest: sha256("hello world") });
    expect(info).toEqual({ digest: sha256("hello world"), size: 11 });
    expect(await store.content.readBytes(info.digest)).toEqual(Buffer.from("hello world"));
    expect((await stat(store.content.blobPath(info.digest))).mode & 0o777).toBe(0o444);
    expect(await ingestFiles()).toEqual([]);
    let streamed = "";
    for await (const c of store.content.read(info.digest)) streamed += c;
    expect(streamed).toBe("hello world");
  });

  it("rejects a digest or size mismatch and leaves nothing behind", async () => {
    const w = await store.content.writer({ ref: "bad" });
    await w.write(Buffer.from("abc"));
    await expect(w.commit({ digest: sha256("abd") })).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    const w2 = await store.content.writer({ ref: "bad2" });
    await w2.write(Buffer.from("abc"));
    await expect(w2.commit({ size: 4 })).rejects.toMatchObject({ code: "DIGEST_MISMATCH", message: expect.stringContaining("bad2") });
    expect(await store.content.has(sha256("abc"))).toBe(false);
    expect(await ingestFiles()).toEqual([]);
    await expect(store.content.put("abc", sha256("x"))).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
  });

  it("treats an existing blob as success", async () => {
    const a = await store.content.put("same");
    const b = await store.content.ingest([Buffer.from("sa"), Buffer.from("me")] as unknown as AsyncIterable<Uint8Array>, {
      ref: "again",
      expected: a.digest,
    });
    expect(b).toEqual(a);
    expect(await ingestFiles()).toEqual([]);
  });

  it("aborts a partial write", async () => {
    const w = await store.content.writer({ ref: "abort" });
    await w.write(Buffer.alloc(1000, 1));
    expect((await ingestFiles()).length).toBe(1);
    await w.abort();
    expect(await ingestFiles()).toEqual([]);
    await expect(w.write(Buffer.from("x"))).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
  });

  it("info, walk, delete and NOT_FOUND", async () => {
    const a = await store.content.put("one");
    const b = await store.content.put("two");
    expect(await store.content.info(a.digest)).toEqual(a);
    const seen: Digest[] = [];
    await store.content.walk(({ digest }) => void seen.push(digest));
    expect(seen.sort()).toEqual([a.digest, b.digest].sort());
    await store.content.delete(a.digest);
    const missing = a.digest;
    await expect(store.content.info(missing)).rejects.toMatchObject({ code: "NOT_FOUND", message: `blob ${missing}: not found` });
    await expect(store.content.readBytes(missing)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(store.content.delete(missing)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const stream = store.content.read(missing);
    await expect(stream.toArray()).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await store.content.readJSON<string>((await store.content.put('"x"')).digest)).toBe("x");
  });

  it("streams a large blob without holding it in memory", async () => {
    const chunk = Buffer.alloc(1 << 20, 7);
    async function* gen() {
      for (let i = 0; i < 64; i++) yield chunk;
    }
    const info = await store.content.ingest(gen(), { ref: "big", size: 64 << 20 });
    expect(info.size).toBe(64 << 20);
    expect((await stat(store.content.blobPath(info.digest))).size).toBe(64 << 20);
  });

  it("keeps in-flight writes in ingest/ until commit", async () => {
    await mkdir(path.join(store.root, "ingest"), { recursive: true });
    const w = await store.content.writer({ ref: "x" });
    await w.write(Buffer.from("data"));
    const [name] = await ingestFiles();
    expect(name).toMatch(new RegExp(`^${process.pid}-`));
    await w.commit();
    expect(await ingestFiles()).toEqual([]);
  });
});

describe("defaultStoreRoot", () => {
  it("prefers STRATA_ROOT, then the root or per-user default", async () => {
    const { defaultStoreRoot } = await import("./index.js");
    expect(defaultStoreRoot({ STRATA_ROOT: "/srv/strata" })).toBe("/srv/strata");
    const uid = process.getuid?.();
    if (uid === 0) expect(defaultStoreRoot({})).toBe("/var/lib/strata");
    else expect(defaultStoreRoot({ XDG_DATA_HOME: "/x" })).toBe("/x/strata");
  });
});
