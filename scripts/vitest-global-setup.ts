import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";

/** Builds the packages (incremental tsc -b) and the CLI bundle once and makes the busybox base image the tests load. */
export default async function setup(): Promise<void> {
  const repo = path.resolve(import.meta.dirname, "..");
  await execa("npm", ["run", "-s", "build"], { cwd: repo, stdio: "inherit" });
  const base = path.join(repo, "examples/.base/busybox.tar");
  if (!existsSync(base)) {
    await mkdir(path.dirname(base), { recursive: true });
    await execa("node", [path.join(repo, "packages/testkit/dist/make-busybox.js"), base], { stdio: "inherit" });
  }
}
