// Child process for the cleanup test: starts a long run on an overlay rootfs and waits to be SIGKILLed.
import { createRuncRunner } from "../runc-runner.js";

const [stateDir, lower, upper, work] = process.argv.slice(2) as [string, string, string, string];
const runner = createRuncRunner({ stateDir });
await runner.run(
  {
    rootfs: [{ type: "overlay", source: "overlay", options: [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`] }],
    args: ["/bin/sh", "-c", "echo ready; exec sleep 100"],
    env: [],
    cwd: "/",
  },
  { stdout: (chunk) => process.stdout.write(chunk) },
);
