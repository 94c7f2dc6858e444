// Archive import and export pull in node-tar, whose module set-up is a few ms of every CLI
// start. Builds never need it, so it is initialised on first use (the CLI bundle keeps such
// dynamic imports lazy).
import type { loadArchive as LoadArchive } from "./load-archive.js";
import type { saveArchive as SaveArchive } from "./save-archive.js";

export type { LoadedImage } from "./load-archive.js";
export type { SaveOptions } from "./save-archive.js";

export const loadArchive: typeof LoadArchive = async (...args) => (await import("./load-archive.js")).loadArchive(...args);
export const saveArchive: typeof SaveArchive = async (...args) => (await import("./save-archive.js")).saveArchive(...args);
