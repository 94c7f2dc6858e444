/**
 * @strata/compare — how an image was made, where two images diverge, and what space is wasted.
 *
 *   const reader = new LayerReader();                                  // one per run: layers read once
 *   const a = await openImage("app:1", { store, reader });             // or docker-archive:FILE, oci:DIR…
 *   const b = await openImage("oci-archive:app-2.tar", { store, reader });
 *   const report = await compareImages(a, b, { ignoreTimestamps: true });
 *   const waste = await analyzeImage(a);                               // dive's metrics, honestly counted
 */
export { openImage, parseImageSpec, type ImageSpec, type OpenOptions } from "./source/open.js";
export { LayerReader, type ImageLayer, type ImageSource, type Transport } from "./source/image-source.js";
export { stepsOf, type Step } from "./source/steps.js";
export type { EntryType, LayerEntry, LayerIndex } from "./layer/entry.js";
export { flatten, type FlatTree, type Superseded, type TreeNode } from "./tree/flatten.js";
export { compareImages, type CompareOptions, type CompareReport, type CompareRow, type Divergence, type ImageSummary, type StepRef } from "./compare/compare.js";
export { alignHistories, keywordOf, splitBuildArgs, type AlignedRow } from "./compare/align.js";
export type { ChangeKind, FileChange, FileVersion } from "./compare/file-diff.js";
export type { ConfigChange } from "./compare/config-diff.js";
export { analyzeImage, type AnalyzeReport, type LayerWaste, type WastedCopy } from "./analyze/analyze.js";
export { DEFAULT_RULES, RULE_NAMES, evaluateRules, readRulesFile, type CiResult, type RuleName, type RuleResult, type RuleSettings } from "./analyze/ci-rules.js";
export { parseBytes } from "./analyze/bytes.js";
export { analyzeSummaryMarkdown } from "./analyze/summary.js";
export { renderComparePage } from "./html/compare-page.js";
export { renderAnalyzePage } from "./html/analyze-page.js";
