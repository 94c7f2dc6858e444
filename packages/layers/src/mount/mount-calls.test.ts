import { describe, expect, it } from "vitest";
import { mountCalls } from "./mount-calls.js";

describe("mountCalls", () => {
  it("passes an overlay's options as its data, flags apart", () => {
    expect(mountCalls({ type: "overlay", source: "overlay", options: ["lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "ro", "nodev"] }, "/t")).toEqual([
      { source: "overlay", target: "/t", fstype: "overlay", flags: 1 | 4, data: "lowerdir=/a:/b,upperdir=/u,workdir=/w" },
    ]);
  });

  it("binds first and applies flags in a remount, as mount -o bind,ro does", () => {
    expect(mountCalls({ type: "bind", source: "/src", options: ["rbind", "ro"] }, "/t")).toEqual([
      { source: "/src", target: "/t", fstype: "", flags: 4096 | 16384, data: "" },
      { source: "", target: "/t", fstype: "", flags: 32 | 4096 | 1, data: "" },
    ]);
    expect(mountCalls({ type: "bind", source: "/src", options: ["rbind", "rw"] }, "/t")).toEqual([
      { source: "/src", target: "/t", fstype: "", flags: 4096 | 16384, data: "" },
    ]);
  });

  it("makes propagation changes calls of their own", () => {
    expect(mountCalls({ type: "none", source: "/src", options: ["bind", "rprivate"] }, "/t")).toEqual([
      { source: "/src", target: "/t", fstype: "", flags: 4096, data: "" },
      { source: "", target: "/t", fstype: "", flags: (1 << 18) | 16384, data: "" },
    ]);
  });

  it("passes filesystem options of other types through as data", () => {
    expect(mountCalls({ type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755", "size=65536k", "rw"] }, "/dev")).toEqual([
      { source: "tmpfs", target: "/dev", fstype: "tmpfs", flags: 2, data: "mode=755,size=65536k" },
    ]);
  });
});
