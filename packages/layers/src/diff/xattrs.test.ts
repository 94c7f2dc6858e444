import { describe, expect, it } from "vitest";
import { isLayerXattr } from "./xattrs.js";

describe("layer xattrs", () => {
  it("keeps only capabilities and user attributes in layers", () => {
    expect(["security.capability", "user.x", "trusted.overlay.opaque", "security.selinux"].filter(isLayerXattr)).toEqual([
      "security.capability",
      "user.x",
    ]);
  });
});
