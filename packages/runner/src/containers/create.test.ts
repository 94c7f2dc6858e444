import { describe, expect, it } from "vitest";
import type { ResolvedImage } from "@strata/store";
import { buildRecord, mergeEnv, validSignal, type CreateOptions } from "./create.js";

const image = (config: Record<string, unknown>): ResolvedImage =>
  ({
    manifestDesc: { mediaType: "m", digest: "sha256:m", size: 1 },
    manifest: { schemaVersion: 2, config: { mediaType: "c", digest: "sha256:c", size: 1 }, layers: [] },
    config: { architecture: "amd64", os: "linux", config, rootfs: { type: "layers", diff_ids: ["sha256:" + "1".repeat(64)] } },
    configDigest: "sha256:c",
  }) as never;

const build = (o: Partial<CreateOptions>, config: Record<string, unknown> = { Cmd: ["sh"], Env: ["PATH=/bin", "A=1"] }) =>
  buildRecord("f".repeat(64), "n", { image: "img", resolved: image(config), ...o }, "overlay", "host");

describe("a container's record from its image and options (Docker's rules)", () => {
  it("combines ENTRYPOINT and CMD as Docker does", () => {
    expect([build({}).path, build({}).args]).toEqual(["sh", []]);
    const ep = { Entrypoint: ["/bin/ep", "-x"], Cmd: ["default"] };
    expect([build({}, ep).path, build({}, ep).args]).toEqual(["/bin/ep", ["-x", "default"]]);
    expect(build({ cmd: ["other"] }, ep).args).toEqual(["-x", "other"]);
    // --entrypoint replaces the image's and drops its CMD
    expect([build({ entrypoint: "/bin/echo" }, ep).path, build({ entrypoint: "/bin/echo" }, ep).args]).toEqual(["/bin/echo", []]);
    expect(build({ entrypoint: "", cmd: ["ls"] }, ep).path).toBe("ls");
    expect(() => build({ entrypoint: "" }, ep)).toThrow("No command specified");
    expect(() => build({}, {})).toThrow("No command specified");
  });

  it("merges env by name, keeps the image's order, resolves workdir, hostname, stop signal, ports", () => {
    const r = build({ env: ["A=2", "B=3"], workdir: "/w/../x", hostname: undefined, publish: ["127.0.0.1:8080:80"], stopSignal: "usr1" });
    expect(r.config.Env).toEqual(["PATH=/bin", "A=2", "B=3"]);
    expect(r.config.WorkingDir).toBe("/x");
    expect(r.config.Hostname).toBe("f".repeat(12));
    expect(r.stopSignal).toBe("SIGUSR1");
    expect(r.config.ExposedPorts).toEqual({ "80/tcp": {} });
    expect(r.hostConfig.PortBindings).toEqual([{ hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" }]);
    expect(build({ network: "host" }).config.Hostname).toBe("host");
    expect(build({}, { Cmd: ["sh"], StopSignal: "SIGQUIT" }).stopSignal).toBe("SIGQUIT");
    expect(() => build({ workdir: "rel" })).toThrow(/needs to be an absolute path/);
    expect(mergeEnv(["A=1"], ["A"])).toEqual(["A"]);
    expect(validSignal("9")).toBe("9");
    expect(validSignal("SIGRTMIN+3")).toBe("SIGRTMIN+3");
    expect(() => validSignal("NOPE")).toThrow("Invalid signal: NOPE");
  });
});
