/**
 * Paths left out of every comparison, because the Docker oracle creates them for reasons of
 * its environment, not of the Dockerfile. Keep this list minimal.
 */
export const COMPAT_IGNORE_PATHS: RegExp[] = [
  // BuildKit 0.8's runc executor leaves the mount points of /dev, /proc and /sys in the first
  // RUN layer when the base image has none (our busybox base does not). Only the directories
  // themselves are ignored: anything a Dockerfile puts inside them is still compared.
  /^\/(dev|proc|sys)$/,
];
