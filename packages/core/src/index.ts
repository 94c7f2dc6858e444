export * from "./errors.js";
export * from "./digest.js";
export * from "./oci.js";
export * from "./mount.js";
export * from "./progress.js";
export * from "./paths.js";
export * from "./reference.js";
export * from "./atomic.js";
