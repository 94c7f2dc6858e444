/** Type-only view of the store's registry module (loaded lazily where it is used). */
export type * as registry from "@strata/store/registry";
