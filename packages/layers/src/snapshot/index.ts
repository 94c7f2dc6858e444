export { createSnapshotter, type SnapshotterDriver } from "./factory.js";
export { createOverlaySnapshotter } from "./overlay.js";
export { createNativeSnapshotter } from "./native.js";
export { mountAll, unmount, withMounted, overlayAvailable, mountPointsUnder, mountsMentioning, unmountLeaks, teardownLater, teardownsSettled, type UnmountOptions } from "../mount/index.js";
export { directWriteDir } from "./direct-write.js";
export { fileInLayers } from "./direct-read.js";
