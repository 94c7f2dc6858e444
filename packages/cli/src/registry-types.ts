/** Type-only view of the store's registry module (the module itself loads lazily). */
export type * as registry from "@strata/store/registry";
