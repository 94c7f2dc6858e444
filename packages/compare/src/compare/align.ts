import type { ImageLayer } from "../source/image-source.js";
import type { Step } from "../source/steps.js";

/** One row of two histories side by side. */
export interface AlignedRow {
  a?: Step;
  b?: Step;
  /** shared: in the common prefix (same instruction, same layer stack); after it every row is divergent. */
  status: "shared" | "divergent" | "only-a" | "only-b";
  sameInstruction: boolean;
  /** Both metadata-only, or the same layer content (diffID). */
  sameLayer: boolean;
}

interface Side {
  steps: Step[];
  layers: ImageLayer[];
}

/** The instruction keyword of a history entry: BuildKit's `RUN …`, legacy `/bin/sh -c #(nop)  CMD …` or a legacy RUN. */
export function keywordOf(createdBy: string): string {
  const nop = /^\/bin\/sh -c #\(nop\)\s+(\S+)/.exec(createdBy);
  if (nop) return nop[1]!.toUpperCase();
  const word = /^([A-Z]+)\b/.exec(createdBy);
  if (word) return word[1]!;
  return createdBy.startsWith("/bin/sh -c ") ? "RUN" : "";
}

/** A RUN's build args (`RUN |2 A=1 B=2 …`, as BuildKit records them) and the instruction without them. */
export function splitBuildArgs(createdBy: string): { args: string[]; rest: string } {
  const m = /^RUN \|(\d+) /.exec(createdBy);
  if (!m) return { args: [], rest: createdBy };
  const tokens = createdBy.slice(m[0].length).split(" ");
  const n = Number(m[1]);
  return { args: tokens.slice(0, n), rest: `RUN ${tokens.slice(n).join(" ")}` };
}

const layerOf = (side: Side, s: Step) => (s.layer === undefined ? undefined : side.layers[s.layer]);

function sameLayer(a: Side, sa: Step, b: Side, sb: Step): boolean {
  if (sa.empty !== sb.empty) return false;
  return sa.empty || layerOf(a, sa)?.diffId === layerOf(b, sb)?.diffId;
}

/** How well two steps pair up: the same text beats the same text without build args beats the same keyword. */
function pairScore(a: Side, sa: Step, b: Side, sb: Step): number {
  if (sa.createdBy === sb.createdBy) return sameLayer(a, sa, b, sb) ? 5 : 4;
  if (splitBuildArgs(sa.createdBy).rest === splitBuildArgs(sb.createdBy).rest) return 3;
  const ka = keywordOf(sa.createdBy);
  return ka !== "" && ka === keywordOf(sb.createdBy) ? 1 : 0.25;
}

/**
 * Aligns two histories by instruction. The shared prefix is the run of steps with the same
 * instruction and the same layer stack (chainID); the rest is a global alignment (maximum
 * total pair score, gaps free), so an inserted step or extra metadata steps leave the rest
 * paired with their counterparts even when layer counts differ.
 */
export function alignHistories(a: Side, b: Side): AlignedRow[] {
  const rows: AlignedRow[] = [];
  let p = 0;
  while (p < a.steps.length && p < b.steps.length) {
    const sa = a.steps[p]!;
    const sb = b.steps[p]!;
    if (sa.createdBy !== sb.createdBy || sa.empty !== sb.empty) break;
    if (!sa.empty && layerOf(a, sa)?.chainId !== layerOf(b, sb)?.chainId) break;
    rows.push({ a: sa, b: sb, status: "shared", sameInstruction: true, sameLayer: true });
    p++;
  }
  const ra = a.steps.slice(p);
  const rb = b.steps.slice(p);
  const n = ra.length;
  const m = rb.length;
  // score[i][j]: best alignment of ra[i..] with rb[j..]
  const score: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      score[i]![j] = Math.max(score[i + 1]![j]!, score[i]![j + 1]!, pairScore(a, ra[i]!, b, rb[j]!) + score[i + 1]![j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && score[i]![j] === pairScore(a, ra[i]!, b, rb[j]!) + score[i + 1]![j + 1]!) {
      const sa = ra[i++]!;
      const sb = rb[j++]!;
      rows.push({ a: sa, b: sb, status: "divergent", sameInstruction: sa.createdBy === sb.createdBy, sameLayer: sameLayer(a, sa, b, sb) });
    } else if (i < n && (j === m || score[i]![j] === score[i + 1]![j])) {
      rows.push({ a: ra[i++]!, status: "only-a", sameInstruction: false, sameLayer: false });
    } else {
      rows.push({ b: rb[j++]!, status: "only-b", sameInstruction: false, sameLayer: false });
    }
  }
  return rows;
}
