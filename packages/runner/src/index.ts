export type * from "./types.js";
export { createRuncRunner, type RuncRunner, type RuncRunnerOptions } from "./runc-runner.js";
export { detectRuntime } from "./runtime.js";
export { resolveUser, type ResolvedUser } from "./user.js";
export { DEFAULT_PATH } from "./process-env.js";
export * from "./containers/index.js";
