import { afterAll, describe, expect, it } from "vitest";
import { cleanup, makeContext, rootWithBusybox, strata } from "./helpers.js";

describe("reproducible builds with SOURCE_DATE_EPOCH (needs root + runc)", () => {
  const dirs: string[] = [];
  afterAll(() => cleanup(...dirs));

  it("gives the same image digest twice in one root and in two roots", async () => {
    const ctx = await makeContext({
      Dockerfile: "FROM busybox\nCOPY . /src\nRUN echo built > /built.txt && mkdir -p /var/x && touch /var/x/f\nWORKDIR /src\nCMD [\"cat\", \"/built.txt\"]\n",
      "a.txt": "alpha\n",
      "dir/b.txt": "beta\n",
    });
    const [r1, r2] = [await rootWithBusybox(), await rootWithBusybox()];
    dirs.push(ctx, r1, r2);
    const env = { SOURCE_DATE_EPOCH: "1700000000" };
    const ids: string[] = [];
    for (const root of [r1, r1, r2]) {
      const res = await strata(root, ["build", "--no-cache", "-q", "-t", "repro:1", ctx], { env });
      expect(res.exitCode, res.all).toBe(0);
      ids.push(res.stdout.trim());
    }
    expect(ids[0]).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(new Set(ids).size).toBe(1);
    const inspect = async (root: string) => JSON.parse((await strata(root, ["inspect", "repro:1"])).stdout)[0];
    expect((await inspect(r1)).Metadata.ManifestDigest).toBe((await inspect(r2)).Metadata.ManifestDigest);
    expect((await inspect(r1)).Created).toBe("2023-11-14T22:13:20Z");
  });

  it("gives the same image with the overlay and the native driver, for COPYs written with and without a mount", async () => {
    const ctx = await makeContext({
      // New top-level paths (/src, /new, /numeric.txt) are written straight into the overlay's
      // upper dir; the rest exist below (with other metadata, as a symlink, or whited out), or
      // need /etc/passwd (--chown by name), and go through the mount.
      Dockerfile: [
        // A stage whose files COPY --from reads straight from its layer directories, or through a view.
        "FROM busybox AS stage",
        "RUN echo one > /f.txt && mkdir -p /d/e && echo two > /d/e/g.txt && chmod 600 /d/e/g.txt",
        "RUN rm /f.txt && mkdir /f.txt && echo three > /f.txt/inner",
        "FROM busybox",
        "COPY --from=stage /d/e/g.txt /",
        "COPY --from=stage /f.txt/inner /renamed",
        "COPY --from=stage /d /dcopy",
        "COPY --from=stage /d/e/g.txt /etc/",
        "COPY . /src",
        "COPY dir/ /new/deep/",
        "RUN mkdir -m 700 /private && chown 5:5 /private && ln -s /new /lnk && rm -rf /src/dir",
        "COPY a.txt /private/a.txt",
        "COPY a.txt /lnk/via-link.txt",
        "COPY dir/ /src/dir/",
        "RUN rm -rf /new",
        "COPY a.txt /new/again.txt",
        "COPY a.txt /etc/a.txt",
        "COPY --chown=app a.txt /owned/a.txt",
        "COPY --chown=7:8 --chmod=600 a.txt /numeric.txt",
      ].join("\n") + "\n",
      "a.txt": "alpha\n",
      "dir/b.txt": "beta\n",
      "dir/sub/c.txt": "gamma\n",
    });
    const [overlay, native] = [await rootWithBusybox("overlay"), await rootWithBusybox("native")];
    dirs.push(ctx, overlay, native);
    const env = { SOURCE_DATE_EPOCH: "1700000000" };
    const ids: string[] = [];
    for (const root of [overlay, native]) {
      const res = await strata(root, ["build", "--no-cache", "-q", "-t", "drivers:1", ctx], { env });
      expect(res.exitCode, res.all).toBe(0);
      ids.push(res.stdout.trim());
    }
    expect(ids[0]).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it("COPY --from finds no file that an opaque directory or a whiteout hides in the stage", async () => {
    const root = await rootWithBusybox("overlay");
    dirs.push(root);
    const stage = [
      "FROM busybox AS stage",
      "RUN mkdir /o && echo a > /o/a && echo h > /h.txt",
      "RUN rm -rf /o /h.txt && mkdir /o && echo b > /o/b",
    ];
    for (const source of ["/o/a", "/h.txt"]) {
      const ctx = await makeContext({ Dockerfile: [...stage, "FROM busybox", `COPY --from=stage ${source} /`].join("\n") + "\n" });
      dirs.push(ctx);
      const res = await strata(root, ["build", "-t", "hidden:1", ctx]);
      expect(res.exitCode, res.all).toBe(1);
      expect(res.stderr).toMatch(/not found|no such file/i);
    }
    const ctx = await makeContext({ Dockerfile: [...stage, "FROM busybox", "COPY --from=stage /o/b /"].join("\n") + "\n" });
    dirs.push(ctx);
    expect((await strata(root, ["build", "-t", "visible:1", ctx])).exitCode).toBe(0);
  });
});
