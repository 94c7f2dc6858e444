export { createSnapshotter, type SnapshotterDriver } from "./factory.js";
export { createOverlaySnapshotter } from "./overlay.js";
export { createNativeSnapshotter } from "./native.js";
export { mountAll, unmount, withMounted, overlayAvailable, mountPointsUnder, mountsMentioning, unmountLeaks, type UnmountOptions } from "../mount/index.js";
