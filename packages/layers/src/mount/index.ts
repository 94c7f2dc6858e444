export { mountAll, unmount, relativeOverlayOptions, type UnmountOptions } from "./mount.js";
export { withMounted } from "./with-mounted.js";
export { overlayAvailable } from "./overlay-probe.js";
export { mountPointsUnder, mountsMentioning, unmountLeaks } from "./mountinfo.js";
export { teardownLater, teardownsSettled } from "./teardown.js";
