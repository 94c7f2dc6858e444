import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { StrataError, type Mount } from "@strata/core";
import type { Instruction } from "@strata/dockerfile";
import { withMounted } from "@strata/layers";
import type { BuildContext } from "../context.js";
import { copyInto, fetchUrl, type CopyRequest } from "../copy/index.js";
import { findStage } from "../stage/select.js";
import type { StageState } from "../stage/state.js";
import { imageState } from "../stage/from.js";
import { layerStep } from "./layer.js";
import { mountStageView } from "./stage-view.js";

type CopyInstruction = Extract<Instruction, { kind: "copy" | "add" }>;

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** COPY and ADD: files from the context, a stage, an image, a URL or a heredoc, as one layer. */
export async function copyStep(ctx: BuildContext, state: StageState, instr: CopyInstruction): Promise<void> {
  const heredocNames = new Set(instr.heredocs.map((h) => h.name));
  const isHeredocSource = (s: string) => /^\d*<<-?/.test(s) && heredocNames.has(s.replace(/^\d*<<-?["']?/, "").replace(/["']$/, ""));
  const fileSources = instr.sources.filter((s) => !isHeredocSource(s));
  const urls = instr.kind === "add" ? fileSources.filter(isUrl) : [];
  if (instr.kind === "copy" && fileSources.some(isUrl)) {
    throw new StrataError("INVALID_ARGUMENT", "source can't be a URL for COPY", { hint: "use ADD to download a URL" });
  }
  const local = fileSources.filter((s) => !isUrl(s));
  const createdBy = `${instr.kind.toUpperCase()} ${[...instr.sources, instr.dest].join(" ")} # buildkit`;
  const scratch = await mkdtemp(path.join(ctx.env.store.root, "tmp", `copy-${process.pid}-`));
  const releases: (() => Promise<void>)[] = [];
  try {
    const source = await sourceRoot(ctx, instr, scratch, releases);
    const base: Omit<CopyRequest, "sourceRoot" | "sourceIsContext" | "sources" | "destRoot"> = {
      dest: instr.dest,
      workdir: state.config.config.WorkingDir || "/",
      chown: instr.chown,
      chmod: instr.chmod,
      excludes: instr.excludes,
      isAdd: instr.kind === "add",
      parents: instr.parents,
      sourceDateEpoch: ctx.req.sourceDateEpoch,
    };
    const fetched: { path: string }[] = [];
    for (const url of urls) fetched.push(await fetchUrl(url, { checksum: instr.checksum, destDir: await mkdtemp(path.join(scratch, "url-")) }));
    const inline = instr.heredocs.map((h) => ({ name: h.name, content: h.content }));
    await layerStep(ctx, state, createdBy, (mounts: Mount[]) =>
      withMounted(mounts, async (destRoot) => {
        if (local.length > 0 || inline.length > 0) {
          await copyInto({
            ...base,
            ...source,
            sources: local,
            destRoot,
            inline: inline.length ? inline : undefined,
          });
        }
        for (const f of fetched) {
          await copyInto({
            ...base,
            isAdd: false,
            sourceRoot: path.dirname(f.path),
            sourceIsContext: true,
            sources: [path.basename(f.path)],
            destRoot,
          });
        }
      }),
    );
  } finally {
    for (const r of releases.reverse()) await r().catch(() => {});
    await rm(scratch, { recursive: true, force: true });
  }
}

async function sourceRoot(
  ctx: BuildContext,
  instr: CopyInstruction,
  scratch: string,
  releases: (() => Promise<void>)[],
): Promise<{ sourceRoot: string; sourceIsContext: boolean; ignore?: (rel: string) => boolean }> {
  if (!instr.from) return { sourceRoot: ctx.req.contextDir, sourceIsContext: true, ignore: ctx.ignore };
  const stage = findStage(ctx.dockerfile, instr.from);
  const from = stage ? await ctx.stageResult(stage) : await imageState(ctx, instr.from);
  const { dir, release } = await mountStageView(ctx, from.snapshot, scratch);
  releases.push(release);
  return { sourceRoot: dir, sourceIsContext: false };
}
