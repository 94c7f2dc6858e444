import { runSnapshotterSuite } from "./testsuite.js";
import { createOverlaySnapshotter } from "./overlay.js";

runSnapshotterSuite("overlay", createOverlaySnapshotter, { deepChain: 120 });
