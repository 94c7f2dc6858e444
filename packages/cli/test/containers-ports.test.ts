import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, rootWithBusybox, strata } from "./helpers.js";
import { leftovers, removeAllContainers } from "./container-helpers.js";

/** A free TCP port on 127.0.0.1 (bound, read, released). */
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
      return await (await fetch(url, { signal: AbortSignal.timeout(20_000) })).text();
    } catch (e) {
      if (attempt > 40) throw e;
      await new Promise((r) => setTimeout(r, 50)); // httpd may still be starting
    }
  }
}

describe("-p publishes a container port through a userland proxy, loopback only (needs root, runc, conmon)", () => {
  let root: string;
  beforeAll(async () => {
    root = await rootWithBusybox();
  });
  afterAll(async () => {
    const left = await removeAllContainers(root);
    await cleanup(root);
    expect(left).toEqual({ mounts: [], processes: [] });
  });

  it("serves busybox httpd from the container on 127.0.0.1, many requests and big bodies", async () => {
    const port = await freePort();
    const script = "mkdir -p /www && echo 'served from the container' > /www/index.html && head -c 2000000 /dev/zero > /www/big && exec httpd -f -p 80 -h /www";
    const r = await strata(root, ["run", "-d", "--name", "web", "-p", `127.0.0.1:${port}:80`, "busybox", "sh", "-c", script]);
    expect(r.exitCode, r.all).toBe(0);
    expect(await get(`http://127.0.0.1:${port}/`)).toBe("served from the container\n");
    const bodies = await Promise.all(Array.from({ length: 8 }, () => get(`http://127.0.0.1:${port}/big`)));
    for (const b of bodies) expect(b.length).toBe(2_000_000);
    expect((await strata(root, ["ps", "--format", "{{.Ports}}"])).stdout).toBe(`127.0.0.1:${port}->80/tcp`);
    expect((await strata(root, ["inspect", "-f", "{{json .NetworkSettings.Ports}}", "web"])).stdout).toBe(`{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"${port}"}]}`);

    // Without a host port, one is chosen and shown.
    await strata(root, ["run", "-d", "--name", "anyport", "-p", "127.0.0.1::80", "busybox", "sh", "-c", script]);
    const shown = (await strata(root, ["ps", "--filter", "name=anyport", "--format", "{{.Ports}}"])).stdout;
    const chosen = Number(/^127\.0\.0\.1:(\d+)->80\/tcp$/.exec(shown)?.[1]);
    expect(chosen).toBeGreaterThan(0);
    expect(await get(`http://127.0.0.1:${chosen}/`)).toBe("served from the container\n");

    // Stopping the container ends its proxy and frees the port.
    await strata(root, ["stop", "-t", "1", "web"]);
    await expect(fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(20_000) })).rejects.toThrow();
    await strata(root, ["start", "web"]);
    expect(await get(`http://127.0.0.1:${port}/`)).toBe("served from the container\n");
    await strata(root, ["rm", "-f", "web", "anyport"]);
  });

  it("a host port already bound: one clear line, exit 125, no container left", async () => {
    const port = await freePort();
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(port, "127.0.0.1", r));
    try {
      const before = (await strata(root, ["ps", "-aq"])).stdout;
      const r = await strata(root, ["run", "-d", "--name", "clash", "-p", `127.0.0.1:${port}:80`, "busybox", "sleep", "100"]);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toBe(`error: Bind for 127.0.0.1:${port} failed: port is already allocated`);
      expect((await strata(root, ["ps", "-aq"])).stdout).toBe(before);
      expect(await leftovers(root)).toEqual({ mounts: [], processes: [] });
    } finally {
      busy.close();
    }
  });

  it("rejects bad publish specs", async () => {
    for (const spec of ["abc", "1.2.3:80:80", "80-90:80", "8080:80/udp", "0:0"]) {
      const r = await strata(root, ["create", "-p", spec, "busybox", "true"]);
      expect(r.exitCode, spec).toBe(125);
      expect(r.stderr).toMatch(/^error: invalid publish spec/);
    }
  });
});
