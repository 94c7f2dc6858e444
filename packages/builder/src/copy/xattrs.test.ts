import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { sourceXattrs } from "./xattrs.js";
import { setup } from "./testsuite/fixtures.js";

const dump = async (p: string) => (await execa("getfattr", ["-d", "-m", "-", "-e", "hex", "--absolute-names", p])).stdout;

describe("extended attributes", () => {
  it("keeps file capabilities and user xattrs, even with --chown (which clears capabilities)", async () => {
    const { context, rootfs, copy } = await setup({ "stage/bin/ping": "elf", "stage/odd name=x": "o" });
    await execa("setcap", ["cap_net_raw+ep", path.join(context, "stage/bin/ping")]);
    await execa("setfattr", ["-n", "user.origin", "-v", "stage", path.join(context, "stage/odd name=x")]);
    await copy(["/stage"], "/out", { sourceIsContext: false, chown: "10:10" });
    await copy(["/stage/bin/ping"], "/single", { sourceIsContext: false, chown: "10:10" });
    expect(await dump(path.join(rootfs, "out/bin/ping"))).toContain("security.capability=0x");
    expect(await dump(path.join(rootfs, "single"))).toContain("security.capability=0x");
    expect(await dump(path.join(rootfs, "out/odd name=x"))).toContain("user.origin=0x7374616765");
  });

  it("reads nothing for a plain tree", async () => {
    const { context } = await setup({ "a/b": "b" });
    const read = await sourceXattrs(path.join(context, "a"), true);
    expect(read(path.join(context, "a"))).toBeUndefined();
    expect(read(path.join(context, "a/b"))).toBeUndefined();
  });
});
