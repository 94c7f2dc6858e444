import { runSnapshotterSuite } from "./testsuite.js";
import { createNativeSnapshotter } from "./native.js";

runSnapshotterSuite("native", createNativeSnapshotter);
