import { describe, expect, it } from "vitest";
import { teardownLater, teardownsDone, teardownsSettled } from "./teardown.js";

describe("background teardowns", () => {
  it("keeps a failure for teardownsSettled when someone only waited for the unmounts", async () => {
    let finish!: () => void;
    teardownLater(new Promise<void>((resolve) => (finish = resolve)));
    teardownLater(Promise.reject(new Error("umount failed")));
    let waited = false;
    const done = teardownsDone().then(() => (waited = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(waited).toBe(false);
    finish();
    await done;
    await expect(teardownsSettled()).rejects.toThrow("umount failed");
    await expect(teardownsSettled()).resolves.toBeUndefined();
  });
});
