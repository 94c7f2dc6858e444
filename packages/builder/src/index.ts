export type * from "./types.js";
export { build } from "./build.js";
export { recoverInterruptedBuilds } from "./recover.js";
export { applyConfigChanges } from "./config-changes.js";
