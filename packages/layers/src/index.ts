export type * from "./types.js";
export * from "./snapshot/index.js";
export * from "./diff/index.js";
