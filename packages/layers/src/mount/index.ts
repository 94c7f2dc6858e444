export { mountAll, unmount, relativeOverlayOptions, type UnmountOptions } from "./mount.js";
export { withMounted } from "./with-mounted.js";
export { overlayAvailable } from "./overlay-probe.js";
export { mountsMentioning, unmountLeaks } from "./mountinfo.js";
