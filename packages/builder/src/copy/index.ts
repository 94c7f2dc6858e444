export type { CopyRequest, CopyResult } from "./types.js";
export { copyInto } from "./copy-into.js";
export { fetchUrl, filenameFromUrl, type FetchedFile } from "./fetch-url.js";
export { parseChmod } from "./chmod.js";
export { resolveOwner } from "./owner.js";
export { createIgnoreMatcher, readDockerignore, type IgnoreMatcher } from "./ignore.js";
export { detectCompression, sniffArchive, type Compression } from "./archive.js";
