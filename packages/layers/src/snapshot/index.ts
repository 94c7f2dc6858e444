export { createSnapshotter, type SnapshotterDriver } from "./factory.js";
export { createOverlaySnapshotter } from "./overlay.js";
export { createNativeSnapshotter, THIN_LABEL } from "./native.js";
export { withFileLock, type FileLockOptions } from "./file-lock.js";
export { UNPACK_LABEL } from "./driver-switch.js";
export { mountAll, unmount, withMounted, overlayAvailable, mountPointsUnder, mountsMentioning, unmountLeaks, teardownLater, teardownsSettled, type UnmountOptions } from "../mount/index.js";
export { directWriteDir } from "./direct-write.js";
export { fileInLayers } from "./direct-read.js";
