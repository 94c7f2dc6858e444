import { afterAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { compressLayer, crc32, incompressible, storedGzip } from "./compress-layer.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function file(bytes: Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "strata-compress-"));
  dirs.push(dir);
  const f = path.join(dir, "layer");
  await writeFile(f, bytes);
  return f;
}

async function all(gen: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of gen) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe("layer compression for a push", () => {
  it("stored-block gzip round-trips through zlib and gzip(1) at every block boundary", async () => {
    for (const n of [0, 1, 65534, 65535, 65536, 3 * 65535, (1 << 20) + 7]) {
      const data = randomBytes(n);
      const gz = await all(storedGzip(await file(data)));
      expect(gunzipSync(gz).equals(data), `size ${n}`).toBe(true);
      expect(execFileSync("gzip", ["-dc"], { input: gz, maxBuffer: 8 << 20 }).equals(data), `gzip -d, size ${n}`).toBe(true);
    }
  });

  it("crc32 is gzip's", () => {
    const data = randomBytes(100_003);
    const gz = gzipSync(data);
    expect(crc32(data)).toBe(gz.readUInt32LE(gz.length - 8));
    expect(crc32(data.subarray(50_000), crc32(data.subarray(0, 50_000)))).toBe(crc32(data));
  });

  it("only data that does not compress is stored; the choice and the bytes depend only on the content", async () => {
    const random = await file(randomBytes(3 << 20));
    const text = await file(Buffer.from("strata layer text, quite compressible\n".repeat(100_000)));
    const small = await file(randomBytes(100_000));
    expect(await incompressible(random)).toBe(true);
    expect(await incompressible(text)).toBe(false);
    expect(await incompressible(small)).toBe(false);
    const a = await all(compressLayer("gzip", random, "x"));
    const b = await all(compressLayer("gzip", random, "x"));
    expect(a.equals(b)).toBe(true);
    expect(a.length).toBeLessThan((3 << 20) + 300);
    const t = await all(compressLayer("gzip", text, "x"));
    expect(t.length).toBeLessThan(200_000);
    expect(gunzipSync(t).length).toBe(3_800_000);
  });
});
