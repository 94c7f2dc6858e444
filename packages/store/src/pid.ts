/** Names of per-process working files start with the owner's pid: "<pid>-<random>" (see `ownerPid` in core). */
export const ownedName = (suffix: string): string => `${process.pid}-${suffix}`;
