/**
 * @strata/cache — cache keys, build-context checksums, cache records.
 *
 *   const hasher = await openContextHasher({ contextDir, statCacheFile, ignore });
 *   const sum = await hasher.checksum(["src/"], { owner, chmod, excludes });   // content, never mtimes
 *   const { key, preimage } = stepKey({ kind: "COPY", definition, parent, inputs: { context: sum } });
 *   const hit = await store.lookup(key);                                         // store = await openCacheStore(dir)
 *   if (!hit) reasons = await store.explainMiss(stepId, preimage);               // "src/app.ts content changed"
 *   … run the step …; await store.save(key, record, preimage); await store.rememberStep(stepId, preimage);
 *   await hasher.save();
 */
export { openContextHasher, statCacheFileFor } from "./context-hasher.js";
export type { ContextHasher, ContextHasherOptions, ChecksumOptions, HasherCounters } from "./context-hasher.js";
export { CONTEXT_CHECKSUM_VERSION, compactChecksum, digestEntries } from "./context-checksum.js";
export type { ContextChecksum, ContextEntry, Owner, CompactChecksum, CompactEntry } from "./context-checksum.js";
export type { IgnoreFilter } from "./exclude.js";
export { compileGoPattern, goMatch, hasWildcard, matchSegment } from "./wildcard.js";
export { KEY_VERSION, stepKey, keyOf } from "./step-key.js";
export type { KeyPreimage, StepInput, StepKeyInput } from "./step-key.js";
export { explainPreimages } from "./explain-miss.js";
export { openCacheStore } from "./cache-store.js";
export type { CacheRecord, CacheRecordInput, CacheStore } from "./cache-store.js";
export { pruneCache } from "./prune.js";
export type { PruneOptions } from "./prune.js";
export { exportCache, importCache, CACHE_ARTIFACT_TYPE, CACHE_CONFIG_MEDIA_TYPE } from "./cache-export.js";
export type { ExportCacheOptions, ImportCacheOptions } from "./cache-export.js";
export type { BlobData } from "./oci-layout-dir.js";
export { exportCacheToRegistry, importCacheFromRegistry, type RegistryCacheOptions } from "./registry-cache.js";
