import path from "node:path";

/**
 * Where containers live under a store root:
 *
 *   containers/<id>.json        the record (ContainerRecord), replaced atomically
 *   containers/<id>.lock        held while a command changes the container
 *   containers/<id>/            made on first start: the runc bundle (config.json, hosts,
 *                               hostname, resolv.conf, rootfs/ mount point), conmon's files
 *                               (attach socket, ctl fifo, exit, conmon.pid, pidfile) and ctr.log
 *   containers/names/<name>     a symlink to the id holding the name (made with symlink(2), so
 *                               taking a name is atomic; a short symlink takes no disk block)
 *   containers/runc/            runc's --root for containers
 *
 * A created container is the record alone: one 4 KiB block (the budget is 8 KiB).
 */
export class ContainerLayout {
  readonly dir: string;
  readonly namesDir: string;
  readonly runcRoot: string;

  constructor(readonly storeRoot: string) {
    this.dir = path.join(storeRoot, "containers");
    this.namesDir = path.join(this.dir, "names");
    this.runcRoot = path.join(this.dir, "runc");
  }

  record(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  lock(id: string): string {
    return path.join(this.dir, `${id}.lock`);
  }

  name(name: string): string {
    return path.join(this.namesDir, name);
  }

  /** The runtime directory, which is also the runc bundle. */
  runtime(id: string): string {
    return path.join(this.dir, id);
  }

  rootfs(id: string): string {
    return path.join(this.runtime(id), "rootfs");
  }

  /** conmon writes the exit code here (its --persist-dir), as decimal text without a newline. */
  exitFile(id: string): string {
    return path.join(this.runtime(id), "exit");
  }

  log(id: string): string {
    return path.join(this.runtime(id), "ctr.log");
  }

  conmonPidFile(id: string): string {
    return path.join(this.runtime(id), "conmon.pid");
  }

  /** Present while the container's mounts and runc state still need a cleanup. */
  activeMarker(id: string): string {
    return path.join(this.runtime(id), "active");
  }
}

export const isContainerId = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);
