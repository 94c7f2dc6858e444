import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { StrataError, type Mount } from "@strata/core";
import { hasWildcard, type StepInput } from "@strata/cache";
import type { Instruction } from "@strata/dockerfile";
import { directWriteDir, fileInLayers, withMounted } from "@strata/layers";
import type { BuildContext } from "../context.js";
import { copyInto, fetchUrl, parseChmod, type CopyRequest } from "../copy/index.js";
import { findStage } from "../stage/select.js";
import type { StageState } from "../stage/state.js";
import { imageState } from "../stage/from.js";
import { layerStep } from "./layer.js";
import { materialize } from "./materialize.js";
import { mountStageView } from "./stage-view.js";
import type { StepInfo } from "./step-info.js";

type CopyInstruction = Extract<Instruction, { kind: "copy" | "add" }>;

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** COPY and ADD: files from the context, a stage, an image, a URL or a heredoc, as one layer. */
export async function copyStep(ctx: BuildContext, state: StageState, instr: CopyInstruction, info: StepInfo): Promise<void> {
  const heredocNames = new Set(instr.heredocs.map((h) => h.name));
  const isHeredocSource = (s: string) => /^\d*<<-?/.test(s) && heredocNames.has(s.replace(/^\d*<<-?["']?/, "").replace(/["']$/, ""));
  const fileSources = instr.sources.filter((s) => !isHeredocSource(s));
  const urls = instr.kind === "add" ? fileSources.filter(isUrl) : [];
  if (instr.kind === "copy" && fileSources.some(isUrl)) {
    throw new StrataError("INVALID_ARGUMENT", "source can't be a URL for COPY", { hint: "use ADD to download a URL" });
  }
  const local = fileSources.filter((s) => !isUrl(s));
  const kind = instr.kind.toUpperCase();
  const createdBy = `${kind} ${[...instr.sources, instr.dest].join(" ")} # buildkit`;
  const scratch = await mkdtemp(path.join(ctx.env.store.root, "tmp", `copy-${process.pid}-`));
  try {
    const source = await copySource(ctx, instr);
    const inputs: Record<string, StepInput> = {};
    if (source.key) inputs[`from:${instr.from}`] = source.key;
    else if (local.length > 0) {
      const chmod = instr.chmod ? parseChmod(instr.chmod) : undefined;
      inputs.context = await (await ctx.contextHasher()).checksum(local, { excludes: instr.excludes, chmod });
    }
    const fetched: { path: string }[] = [];
    for (const url of urls) {
      const f = await fetchUrl(url, { checksum: instr.checksum, destDir: await mkdtemp(path.join(scratch, "url-")), signal: ctx.signal });
      fetched.push(f);
      inputs[`url:${url}`] = f.digest;
    }
    const definition = {
      text: `${kind} ${[...instr.sources, instr.dest].join(" ")}`,
      dest: instr.dest,
      workdir: state.config.config.WorkingDir || "/",
      heredocs: instr.heredocs.map((h) => ({ name: h.name, content: h.content })),
      flags: { chown: instr.chown ?? "", chmod: instr.chmod ?? "", excludes: instr.excludes, parents: instr.parents, from: instr.from ?? "" },
    };
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
    const inline = instr.heredocs.map((h) => ({ name: h.name, content: h.content }));
    await layerStep(ctx, state, info, { createdBy, kind, definition, inputs }, async (mounts: Mount[]) => {
      const single = source.state && !instr.parents && !instr.excludes.length && !inline.length ? await singleStageFile(ctx, source.state, local) : undefined;
      const { dir, release } = single
        ? { dir: path.dirname(single), release: async () => {} }
        : source.state
          ? await mountStageView(ctx, await materialize(ctx, source.state), scratch)
          : { dir: ctx.req.contextDir, release: async () => {} };
      try {
        const write = async (destRoot: string): Promise<void> => {
          if (local.length > 0 || inline.length > 0) {
            await copyInto({
              ...base,
              sourceRoot: dir,
              sourceIsContext: !source.state,
              ignore: source.state ? undefined : ctx.ignore,
              sources: single ? [path.basename(single)] : local,
              destRoot,
              inline: inline.length ? inline : undefined,
            });
          }
          for (const f of fetched) {
            await copyInto({ ...base, isAdd: false, sourceRoot: path.dirname(f.path), sourceIsContext: true, sources: [path.basename(f.path)], destRoot });
          }
        };
        // A --chown by name reads the image's /etc/passwd, which only the mounted view has.
        const topName = destinationTop(instr.dest, base.workdir) ?? (single ? path.basename(single) : undefined);
        const direct = topName !== undefined && !ownerByName(instr.chown) ? directWriteDir(mounts, [topName]) : undefined;
        await (direct !== undefined ? write(direct) : withMounted(mounts, write));
      } finally {
        await release();
      }
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * `COPY --from=stage /one/file …`: the file's host path in the stage's layer directories, when
 * it can be read there without mounting a view (see fileInLayers); undefined otherwise.
 */
async function singleStageFile(ctx: BuildContext, state: StageState, sources: readonly string[]): Promise<string | undefined> {
  if (sources.length !== 1 || hasWildcard(sources[0]!) || sources[0]!.endsWith("/")) return undefined;
  const snapshot = await materialize(ctx, state);
  if (!snapshot) return undefined;
  return fileInLayers(await ctx.env.snapshotter.layerDirs(snapshot), sources[0]!);
}

/** Where `--from` points: a stage's or an image's result, with its cache key; none for the context. */
async function copySource(ctx: BuildContext, instr: CopyInstruction): Promise<{ state?: StageState; key?: string }> {
  if (!instr.from) return {};
  const stage = findStage(ctx.dockerfile, instr.from);
  const state = stage ? await ctx.stageResult(stage) : await imageState(ctx, instr.from);
  return { state, key: state.key };
}

/** The first path component a COPY writes under (`/app/x` → `app`); undefined for the root itself. */
function destinationTop(dest: string, workdir: string): string | undefined {
  const absolute = path.posix.resolve("/", workdir, dest);
  return absolute === "/" ? undefined : absolute.split("/")[1];
}

const ownerByName = (chown: string | undefined): boolean => chown !== undefined && !/^\d+(:\d+)?$/.test(chown);
