export type * from "./types.js";
export { build } from "./build.js";
export { recoverInterruptedBuilds } from "./recover.js";
