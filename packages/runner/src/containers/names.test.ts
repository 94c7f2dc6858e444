import { readlinkSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContainerLayout } from "./layout.js";
import { NameRegistry, generatedName, validateName } from "./names.js";
import { ContainerRecords } from "./records.js";

describe("container names", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "strata-names-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("follows Docker's rule", () => {
    expect(validateName("/web_1.a-b")).toBe("web_1.a-b");
    for (const bad of ["a", "-x", "has space", "ünïcode", "a/b", ""]) expect(() => validateName(bad)).toThrow(/Invalid container name/);
    expect(generatedName()).toMatch(/^[a-z]+_[a-z]+$/);
    expect(generatedName(1)).toMatch(/^[a-z]+_[a-z]+\d$/);
  });

  it("gives a name to one container at a time, and takes back a name whose record is gone", async () => {
    const layout = new ContainerLayout(root);
    const live = new Set(["a".repeat(64)]);
    const names = new NameRegistry(layout, (id) => live.has(id));
    names.reserve("web", "a".repeat(64));
    expect(() => names.reserve("web", "b".repeat(64))).toThrow(/The container name "\/web" is already in use by container "a{64}"/);
    live.delete("a".repeat(64)); // a crash after the name, before the record
    names.reserve("web", "b".repeat(64));
    expect(names.lookup("web")).toBe("b".repeat(64));
    // Short enough for ext4 to keep in the inode (a name then takes no disk block).
    expect(readlinkSync(layout.name("web")).length).toBeLessThan(60);
    names.release("web", "c".repeat(64)); // not the holder: nothing happens
    expect(names.lookup("web")).toBe("b".repeat(64));
    names.release("web", "b".repeat(64));
    expect(names.lookup("web")).toBeUndefined();
  });

  it("resolves a full ID, a name, then a unique ID prefix", async () => {
    const records = new ContainerRecords(path.join(root, "store"));
    const mk = async (id: string, name: string) => {
      records.names.reserve(name, id);
      await records.create({ id, name } as never);
    };
    await mk(`abc${"0".repeat(61)}`, "first");
    await mk(`abd${"0".repeat(61)}`, "abc");
    expect(records.resolve("first").name).toBe("first");
    expect(records.resolve("/first").name).toBe("first");
    expect(records.resolve("abc").name).toBe("abc"); // a name wins over an ID prefix, as in Docker
    expect(records.resolve("abc0").name).toBe("first");
    expect(() => records.resolve("ab")).toThrow(/Multiple IDs found with provided prefix: ab/);
    expect(() => records.resolve("nosuch")).toThrow(/No such container: nosuch/);
    await writeFile(records.layout.record(`ff${"0".repeat(62)}`), "{not json");
    expect(() => records.resolve(`ff${"0".repeat(62)}`)).toThrow(/is damaged/);
  });
});
