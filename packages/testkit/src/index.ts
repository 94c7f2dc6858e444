/**
 * @strata/testkit — fixtures and the Docker oracle for strata's tests (private).
 *
 * - buildBusyboxArchive: a deterministic docker-archive of busybox-static (CLI: dist/make-busybox.js OUT)
 * - ensureDockerd / dockerBuild / dockerSave / dockerLoad / dockerRun: a real Docker engine as the oracle
 * - flattenImageArchive: an image archive (docker-archive or OCI layout tar) → path → metadata
 * - compareFlattened: human-readable differences between two flattened images
 */
export { buildBusyboxArchive, BUSYBOX_EPOCH, BUSYBOX_PATH_ENV, type BusyboxImage } from "./busybox-archive.js";
export { ensureDockerd, dockerReady, DOCKER, DOCKERD_LOG } from "./docker/dockerd.js";
export {
  busyboxArchivePath,
  BUSYBOX_TAG,
  dockerBuild,
  dockerImageId,
  dockerLoad,
  dockerRemoveImage,
  dockerRun,
  dockerSave,
  ensureBusyboxInDocker,
  ensureBareBaseInDocker,
  BARE_BASE_TAG,
  TESTKIT_TMP,
  type DockerBuildOptions,
} from "./docker/docker-oracle.js";
export { flattenImageArchive } from "./flatten/flatten-image.js";
export { readImageArchive, type ArchivedImage } from "./flatten/image-archive.js";
export type { FileEntry, FileType, FlattenedImage } from "./flatten/file-entry.js";
export { compareFlattened, type CompareOptions } from "./compare/compare-flattened.js";
export { COMPARED_CONFIG_FIELDS } from "./compare/compare-config.js";
export { buildTar, type TarMember } from "./tar/tar-writer.js";
export { readTar } from "./tar/tar-reader.js";
export type { TarHeader, TarType } from "./tar/tar-header.js";
export { withLock } from "./lock.js";
export { applyLayer as applyTarToFiles } from "./flatten/apply-layer.js";
export { TestRegistry, freePort, makeTLS, DOCKER_REGISTRY, type LoggedRequest, type TestRegistryOptions } from "./registry/registry.js";
export { FaultProxy, type FaultAction, type FaultRule, type SeenRequest } from "./registry/fault-proxy.js";
export { TokenServer, type TokenRequest } from "./registry/token-server.js";
export { dir, file, hardlink, symlink, writeDockerArchive, writeOciArchive, type FixtureConfig } from "./fixtures/image-archives.js";
