import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StrataError, isNotFound, processAlive, randomHex, type Descriptor, type Digest, type Manifest } from "@strata/core";
import { mountPointsUnder, unpackLayers, withMounted, type Applier, type Differ, type Snapshotter } from "@strata/layers";
import type { Store } from "@strata/store";
import { detectRuntime } from "../runtime.js";
import { fillFromImage, needsFill, ociMounts, resolveMounts, volumeUsers } from "../volumes/container-mounts.js";
import { VolumeStore } from "../volumes/volume-store.js";
import { attach, type AttachOptions, type AttachSession } from "./attach.js";
import { ContainerFiles } from "./container-files.js";
import { releaseMounts, setUpBundle } from "./bundle-setup.js";
import { CreateFailed, findConmon, launchConmon } from "./conmon.js";
import { buildRecord, signalNumber, validSignal, type CreateOptions } from "./create.js";
import { isMonitorOf, monitorView, readExitFile } from "./monitor-state.js";
import { ContainerRecords } from "./records.js";
import { ContainerRunc } from "./runc.js";
import { startPortProxy } from "./ports.js";
import { ZERO_TIME, isActive, runcIdOf, type ContainerRecord } from "./types.js";
import { ensureWritableLayer } from "./writable-layer.js";

export interface ContainerServiceOptions {
  /** The store root (containers live in `<root>/containers`). */
  root: string;
  store: Store;
  /** Opened on first need: creating or listing containers never touches snapshots. */
  snapshotter: () => Promise<Snapshotter>;
  applier: Applier;
  /** Writes `commit`'s layer. */
  differ?: Differ;
  /** The command conmon runs when a container exits; strata's `container cleanup ID`. */
  cleanupCommand: (id: string) => string[];
  /** Path of runc; found on PATH when omitted. */
  runtime?: string;
  /** Seconds conmon waits before running the cleanup command (default 1). */
  exitDelay?: number;
}

export interface StartOptions {
  /** Attach to the output (and stdin) before the container starts. */
  attach?: Omit<AttachOptions, "bundle">;
}

/**
 * Containers without a daemon: each one's record is a file, its processes are watched by its own
 * conmon (which outlives this CLI), and every command first brings records of containers whose
 * monitor is gone up to date (`refresh`). Commands that change a container hold its lock.
 */
export class ContainerService {
  readonly records: ContainerRecords;
  readonly volumes: VolumeStore;
  /** diff, commit, export, cp, exec, top: what reads or writes a container's files and processes. */
  readonly files: ContainerFiles;
  readonly #o: ContainerServiceOptions;
  #runc: Promise<ContainerRunc> | undefined;
  #snapshotter: Promise<Snapshotter> | undefined;

  constructor(o: ContainerServiceOptions) {
    this.#o = o;
    this.records = new ContainerRecords(o.root);
    this.volumes = new VolumeStore(o.root);
    this.files = new ContainerFiles(this);
  }

  get layout() {
    return this.records.layout;
  }

  get store(): Store {
    return this.#o.store;
  }

  snapshotter(): Promise<Snapshotter> {
    this.#snapshotter ??= this.#o.snapshotter();
    return this.#snapshotter;
  }

  runc(): Promise<ContainerRunc> {
    this.#runc ??= detectRuntime(this.#o.runtime).then((bin) => new ContainerRunc(bin, this.layout.runcRoot));
    return this.#runc;
  }

  // ---- create ------------------------------------------------------------------------------

  async create(o: CreateOptions, driver: string): Promise<ContainerRecord> {
    const id = randomHex(32);
    const names = this.records.names;
    let name: string;
    if (o.name !== undefined) {
      name = o.name;
      names.reserve(name, id);
    } else {
      name = names.reserveGenerated(id);
    }
    let createdVolumes: string[] = [];
    try {
      const rec = buildRecord(id, name, o, driver, osHostname());
      const resolved = await resolveMounts(this.volumes, this.records, {
        binds: o.binds ?? [],
        mountSpecs: o.mountSpecs ?? [],
        volumesFrom: o.volumesFrom ?? [],
        imageVolumes: Object.keys(o.resolved.config.config?.Volumes ?? {}),
      });
      createdVolumes = resolved.created;
      rec.mounts = resolved.mounts;
      await this.#fillVolumes(rec);
      await this.records.create(rec);
      return rec;
    } catch (e) {
      for (const v of createdVolumes) this.volumes.remove(v);
      names.release(name, id);
      throw e;
    }
  }

  /** Fills new volumes from the image's content at their paths (through a read-only view of the image). */
  async #fillVolumes(rec: ContainerRecord): Promise<void> {
    if (!needsFill(this.volumes, rec.mounts)) return;
    const snapshotter = await this.snapshotter();
    const { layers, diffIds } = await this.imageLayers(rec);
    const top = await unpackLayers({ snapshotter, applier: this.#o.applier, layers, diffIds });
    if (top === undefined) return;
    const key = `view-${rec.id}-${randomHex(4)}`;
    const view = await snapshotter.view(key, top);
    try {
      await withMounted(view, (root) => fillFromImage(this.volumes, rec.mounts, root));
    } finally {
      await snapshotter.remove(key).catch(() => {});
    }
  }

  // ---- reading -----------------------------------------------------------------------------

  /** The record of `ref` (ID, name or ID prefix), brought up to date. */
  async get(ref: string): Promise<ContainerRecord> {
    const rec = this.records.resolve(ref);
    return (await this.refresh(rec, await mountedUnder(this.layout.dir))) ?? this.records.resolve(ref);
  }

  async list(): Promise<ContainerRecord[]> {
    const out: ContainerRecord[] = [];
    const mounted = await mountedUnder(this.layout.dir);
    for (const rec of this.records.list()) {
      const fresh = await this.refresh(rec, mounted);
      if (fresh) out.push(fresh);
    }
    await this.#sweepRuncState(out);
    return out;
  }

  /**
   * runc state that no run needs any more: its container is gone, has started again under
   * another name, or has ended with no monitor left to delete it (a monitor killed in its exit
   * delay). Deleted without force, so a running container is never touched.
   */
  async #sweepRuncState(recs: readonly ContainerRecord[]): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.layout.runcRoot);
    } catch {
      return;
    }
    if (names.length === 0) return;
    const byId = new Map(recs.map((r) => [r.id, r]));
    for (const name of names) {
      const listed = byId.get(name.slice(0, 64));
      if (listed && runcIdOf(listed) === name && (isActive(listed) || isMonitorOf(listed.state.monitorPid ?? 0, name))) continue;
      // Looked at again now: a start may have begun since the list was read.
      const rec = this.records.read(name.slice(0, 64));
      if (rec && runcIdOf(rec) === name && (isActive(rec) || isMonitorOf(rec.state.monitorPid ?? 0, name))) continue;
      const runc = await this.runc();
      if ((await runc.status(name)) !== "stopped") continue; // only what has stopped; never a container being started
      await runc.deleteStopped(name);
    }
  }

  /**
   * Brings a running or paused container's record up to date with its monitor: an exit file means
   * it exited; a monitor that is gone means it is stopped for good (what is left of it killed).
   * Undefined when the container was removed meanwhile (`--rm`).
   */
  async refresh(rec: ContainerRecord, mounted?: ReadonlySet<string>): Promise<ContainerRecord | undefined> {
    if (!isActive(rec)) {
      if (mounted && this.#startDied(rec, mounted)) await this.#locked(rec.id, (cur) => this.#undoDeadStart(cur)).catch(() => {});
      return rec;
    }
    if (monitorView(this.layout, rec).kind === "alive") return rec;
    return this.#locked(rec.id, (cur) => this.#finishLocked(cur)).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
  }

  /**
   * A container that is not running but has its rootfs mounted or its start marker: a `start`
   * was killed before it recorded the container as running (its lock's owner is gone). What it
   * made (the mount, conmon and a created runc container) is undone by #undoDeadStart.
   */
  #startDied(rec: ContainerRecord, mounted: ReadonlySet<string>): boolean {
    if (!mounted.has(this.layout.rootfs(rec.id)) && !existsSync(this.layout.activeMarker(rec.id))) return false;
    let owner = 0;
    try {
      owner = Number.parseInt(readFileSync(this.layout.lock(rec.id), "utf8"), 10);
    } catch {
      // no lock: nobody is starting it
    }
    return !processAlive(owner);
  }

  async #undoDeadStart(rec: ContainerRecord): Promise<void> {
    if (isActive(rec)) return;
    let monitor = 0;
    try {
      monitor = Number.parseInt(readFileSync(this.layout.conmonPidFile(rec.id), "utf8").trim(), 10);
    } catch {
      // conmon was never started
    }
    if (isMonitorOf(monitor, runcIdOf(rec))) killQuietly(monitor);
    await this.#cleanupRuntime(rec);
  }

  // ---- start, attach -----------------------------------------------------------------------

  /** Starts a created or exited container; `{ alreadyRunning }` when it runs already (Docker: no error). */
  async start(ref: string, opts: StartOptions = {}): Promise<{ rec: ContainerRecord; session?: AttachSession; alreadyRunning: boolean }> {
    const target = this.records.resolve(ref);
    return this.#locked(target.id, async (cur) => {
      let rec = (await this.#finishLocked(cur)) ?? this.records.get(cur.id);
      if (rec.state.status === "paused") {
        throw new StrataError("FAILED_PRECONDITION", "cannot start a paused container, try unpause instead");
      }
      if (rec.state.status === "running") return { rec, alreadyRunning: true };
      const session = await this.#startLocked(rec, opts);
      rec = this.records.get(rec.id);
      return { rec, session, alreadyRunning: false };
    });
  }

  async #startLocked(rec: ContainerRecord, opts: StartOptions): Promise<AttachSession | undefined> {
    const layout = this.layout;
    const [runc, conmon, snapshotter] = await Promise.all([this.runc(), findConmon(), this.snapshotter()]);
    const mounts = await ensureWritableLayer(rec, {
      snapshotter,
      applier: this.#o.applier,
      imageLayers: () => this.imageLayers(rec),
    });
    // This start's runc name, recorded before runc can know it (see ContainerState.runcId).
    rec.state = { ...rec.state, runcId: `${rec.id}-${randomHex(4)}` };
    const runcId = runcIdOf(rec);
    await this.records.write(rec); // the layer and the runc name are recorded before anything can fail on them
    const dir = layout.runtime(rec.id);
    let session: AttachSession | undefined;
    let proxyPid: number | undefined;
    const attachAbort = new AbortController();
    try {
      await setUpBundle(layout, rec, mounts, async () => ociMounts(this.volumes, rec));
      writeFileSync(layout.activeMarker(rec.id), "");
      // The attach helper starts alongside conmon and connects as soon as conmon listens.
      const attaching = opts.attach ? attach({ ...opts.attach, bundle: dir, waitForSocket: true, signal: attachAbort.signal }) : undefined;
      attaching?.catch(() => {});
      const { pid } = await launchConmon({
        conmon,
        runc: runc.binary,
        runcRoot: runc.stateRoot,
        id: runcId,
        name: rec.name,
        bundle: dir,
        logPath: layout.log(rec.id),
        persistDir: dir,
        pidFile: path.join(dir, "pidfile"),
        conmonPidFile: layout.conmonPidFile(rec.id),
        terminal: rec.config.Tty,
        stdin: rec.config.OpenStdin,
        leaveStdinOpen: !rec.config.StdinOnce,
        exitCommand: this.#exitCommand(rec.id, runcId, runc),
        exitDelay: this.#o.exitDelay ?? 1,
        errorLog: path.join(dir, "conmon.err"),
      });
      const monitorPid = Number.parseInt(readFileSync(layout.conmonPidFile(rec.id), "utf8"), 10);
      let ports = rec.hostConfig.PortBindings;
      if (ports.length > 0) {
        const proxy = await startPortProxy(pid, ports);
        proxyPid = proxy.proxyPid;
        ports = proxy.bound;
      }
      if (attaching) session = await attaching;
      rec.state = {
        status: "running",
        pid,
        exitCode: 0,
        error: "",
        startedAt: new Date().toISOString(),
        finishedAt: ZERO_TIME,
        oomKilled: false,
        monitorPid,
        runcId,
        ...(proxyPid !== undefined ? { proxyPids: [proxyPid] } : {}),
      };
      rec.ports = ports;
      await this.records.write(rec);
      await runc.start(runcId);
      return session;
    } catch (e) {
      session?.close();
      attachAbort.abort();
      if (proxyPid !== undefined) killQuietly(proxyPid);
      await this.#cleanupRuntime(rec);
      if (e instanceof CreateFailed) {
        rec.state = { ...rec.state, status: rec.state.status === "running" ? "exited" : rec.state.status, exitCode: e.exitStatus, error: e.message, pid: 0 };
      } else {
        rec.state = { ...rec.state, status: rec.state.status === "running" ? "exited" : rec.state.status, pid: 0, error: e instanceof Error ? e.message : String(e) };
      }
      delete rec.state.monitorPid;
      delete rec.state.proxyPids;
      await this.records.write(rec);
      throw e;
    }
  }

  /** Connects to a running container's output (and stdin when it was started with -i). */
  async attach(ref: string, opts: Omit<AttachOptions, "bundle">): Promise<{ rec: ContainerRecord; session: AttachSession }> {
    const rec = await this.get(ref);
    if (rec.state.status !== "running") {
      throw new StrataError("FAILED_PRECONDITION", "You cannot attach to a stopped container, start it first");
    }
    const session = await attach({ ...opts, stdin: opts.stdin && rec.config.OpenStdin, bundle: this.layout.runtime(rec.id) });
    return { rec, session };
  }

  /** Resizes a running container's terminal (conmon's ctl fifo: type 1 = resize). */
  resize(rec: ContainerRecord, rows: number, cols: number): void {
    const ctl = path.join(this.layout.runtime(rec.id), "ctl");
    try {
      writeFileSync(ctl, `1 ${rows} ${cols}\n`, { flag: "a" });
    } catch {
      // the container is gone
    }
  }

  // ---- waiting, stopping -------------------------------------------------------------------

  /**
   * Waits until the container is no longer running. Returns its exit code (read before an --rm
   * container is removed) and its record (undefined once removed).
   */
  async wait(ref: string, signal?: AbortSignal): Promise<{ exitCode: number; rec?: ContainerRecord }> {
    const id = this.records.resolve(ref).id;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const rec = this.records.read(id);
      if (!rec) return { exitCode: 0 };
      if (!isActive(rec)) return { exitCode: rec.state.exitCode, rec };
      const view = monitorView(this.layout, rec);
      if (view.kind !== "alive") {
        const exitCode = view.kind === "exited" ? view.exitCode : processAlive(rec.state.pid) ? 137 : 255;
        const fresh = await this.refresh(rec);
        return { exitCode: fresh?.state.exitCode ?? exitCode, rec: fresh };
      }
      if (signal?.aborted) throw new StrataError("CANCELED", "wait was interrupted");
      await sleep(delay);
    }
  }

  /**
   * Docker's stop: the stop signal, then SIGKILL once `timeoutSeconds` have passed (default: the
   * container's --stop-timeout, else 10). A container that is not running is left as it is.
   */
  async stop(ref: string, timeoutSeconds?: number): Promise<ContainerRecord> {
    const target = this.records.resolve(ref);
    return this.#locked(target.id, async (cur) => {
      const rec = (await this.#finishLocked(cur)) ?? this.records.get(cur.id);
      if (!isActive(rec)) return rec;
      const runc = await this.runc();
      if (rec.state.status === "paused") await runc.resume(runcIdOf(rec)).catch(() => {});
      const timeout = timeoutSeconds ?? rec.config.StopTimeout ?? 10;
      await runc.signal(runcIdOf(rec), rec.stopSignal.replace(/^SIG/, ""));
      if (!(await this.#exitWithin(rec, timeout * 1000))) {
        await runc.signal(runcIdOf(rec), "KILL");
        await this.#exitWithin(rec, 10_000);
      }
      return (await this.#finishLocked(rec)) ?? rec;
    });
  }

  /** Sends a signal (default SIGKILL) to a running container's init. */
  async kill(ref: string, signal = "KILL"): Promise<ContainerRecord> {
    const rec = await this.get(ref);
    const sig = validSignal(signal);
    if (rec.state.status !== "running" && rec.state.status !== "paused") {
      throw new StrataError("FAILED_PRECONDITION", `Cannot kill container: ${ref}: Container ${rec.id} is not running`);
    }
    const runc = await this.runc();
    if (!(await runc.signal(runcIdOf(rec), sig.replace(/^SIG/, "")))) {
      throw new StrataError("FAILED_PRECONDITION", `Cannot kill container: ${ref}: Container ${rec.id} is not running`);
    }
    if (signalNumber(sig) === 9) await this.#exitWithin(rec, 5000);
    return (await this.refresh(rec)) ?? rec;
  }

  async restart(ref: string, timeoutSeconds?: number): Promise<ContainerRecord> {
    await this.stop(ref, timeoutSeconds);
    return (await this.start(ref)).rec;
  }

  async pause(ref: string): Promise<ContainerRecord> {
    const target = this.records.resolve(ref);
    return this.#locked(target.id, async (cur) => {
      const rec = (await this.#finishLocked(cur)) ?? this.records.get(cur.id);
      if (rec.state.status === "paused") throw new StrataError("FAILED_PRECONDITION", `Container ${rec.id} is already paused`);
      if (rec.state.status !== "running") throw new StrataError("FAILED_PRECONDITION", `Container ${rec.id} is not running`);
      await (await this.runc()).pause(runcIdOf(rec));
      rec.state = { ...rec.state, status: "paused" };
      await this.records.write(rec);
      return rec;
    });
  }

  async unpause(ref: string): Promise<ContainerRecord> {
    const target = this.records.resolve(ref);
    return this.#locked(target.id, async (cur) => {
      const rec = (await this.#finishLocked(cur)) ?? this.records.get(cur.id);
      if (rec.state.status !== "paused") throw new StrataError("FAILED_PRECONDITION", `Container ${rec.id} is not paused`);
      await (await this.runc()).resume(runcIdOf(rec));
      rec.state = { ...rec.state, status: "running" };
      await this.records.write(rec);
      return rec;
    });
  }

  // ---- removal -----------------------------------------------------------------------------

  /** Docker's rm: a running container only with `force` (killed first); `volumes` also drops its anonymous volumes. */
  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<ContainerRecord> {
    const target = this.records.resolve(ref);
    return this.#locked(target.id, async (cur) => {
      let rec = (await this.#finishLocked(cur)) ?? this.records.read(cur.id);
      if (!rec) return cur;
      if (isActive(rec)) {
        if (!opts.force) {
          throw new StrataError(
            "FAILED_PRECONDITION",
            `You cannot remove a ${rec.state.status} container ${rec.id}. Stop the container before attempting removal or force remove`,
          );
        }
        const runc = await this.runc();
        if (rec.state.status === "paused") await runc.resume(runcIdOf(rec)).catch(() => {});
        await runc.signal(runcIdOf(rec), "KILL");
        await this.#exitWithin(rec, 10_000);
        rec = { ...rec, hostConfig: { ...rec.hostConfig, AutoRemove: false } };
        rec = (await this.#finishLocked(rec)) ?? rec;
      }
      await this.#removeLocked(rec, opts.volumes ?? false);
      return rec;
    });
  }

  async rename(ref: string, newName: string): Promise<ContainerRecord> {
    const target = this.records.resolve(ref);
    return this.#locked(target.id, async (rec) => {
      if (rec.name === newName) {
        throw new StrataError("INVALID_ARGUMENT", `Renaming a container with the same name as its current name`);
      }
      this.records.names.reserve(newName, rec.id);
      const old = rec.name;
      rec.name = newName;
      try {
        await this.records.write(rec);
      } catch (e) {
        this.records.names.release(newName, rec.id);
        throw e;
      }
      this.records.names.release(old, rec.id);
      return rec;
    });
  }

  /** conmon's exit command: record the exit, release the mounts, remove an --rm container. */
  async cleanup(id: string): Promise<void> {
    if (!this.records.read(id)) return;
    await this.#locked(id, (cur) => this.#finishLocked(cur)).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  // ---- internals ---------------------------------------------------------------------------

  #locked<T>(id: string, fn: (rec: ContainerRecord) => Promise<T>): Promise<T> {
    return this.records.locked(id, fn);
  }

  /** Runs `fn` on the container's current record, holding its lock (for the service's parts, e.g. ContainerFiles). */
  withLock<T>(id: string, fn: (rec: ContainerRecord) => Promise<T>): Promise<T> {
    return this.#locked(id, fn);
  }

  get options(): Readonly<ContainerServiceOptions> {
    return this.#o;
  }

  /**
   * With the lock held: if the container's monitor says it has ended (or the monitor is gone),
   * record how, release its runtime (mounts, runc state, proxies) and, for --rm, remove it.
   * Returns the current record, undefined when removed.
   */
  async #finishLocked(rec: ContainerRecord): Promise<ContainerRecord | undefined> {
    if (!isActive(rec)) {
      if (rec.hostConfig.AutoRemove && rec.state.status === "exited") {
        await this.#removeLocked(rec, true);
        return undefined;
      }
      return rec;
    }
    const view = monitorView(this.layout, rec);
    if (view.kind === "alive") return rec;
    let exitCode: number;
    let finishedAt: string;
    let error = "";
    if (view.kind === "exited") {
      ({ exitCode, finishedAt } = view);
    } else {
      // The monitor was killed: nobody records this container's end any more, so end it now.
      const alive = processAlive(rec.state.pid);
      exitCode = alive ? 137 : 255;
      finishedAt = new Date().toISOString();
      error = `the container's monitor (conmon, pid ${view.monitorPid}) died${alive ? "; the container was killed" : ""}`;
    }
    await this.#cleanupRuntime(rec);
    const { monitorPid: _m, proxyPids: _p, ...state } = rec.state;
    rec.state = { ...state, status: "exited", pid: 0, exitCode, finishedAt, error };
    delete rec.ports;
    if (rec.hostConfig.AutoRemove) {
      await this.#removeLocked(rec, true);
      return undefined;
    }
    await this.records.write(rec);
    return rec;
  }

  /**
   * Kills what is left of the container's processes and releases its mounts and runc state.
   * Idempotent. runc's state of a container that has exited under a live monitor is left to the
   * monitor's exit command (it deletes exactly that run), which saves this command a runc process.
   */
  async #cleanupRuntime(rec: ContainerRecord): Promise<void> {
    // The proxy must be gone before this returns: a restart binds its ports again at once.
    for (const pid of rec.state.proxyPids ?? []) killQuietly(pid);
    for (const pid of rec.state.proxyPids ?? []) {
      for (let i = 0; i < 100 && processAlive(pid) && !isZombie(pid); i++) await sleep(5);
    }
    const dir = this.layout.runtime(rec.id);
    if (!existsSync(dir)) return;
    const runcId = runcIdOf(rec);
    const monitorWillDelete = readExitFile(this.layout.exitFile(rec.id)) !== undefined && isMonitorOf(rec.state.monitorPid ?? 0, runcId);
    if (!monitorWillDelete) await (await this.runc()).remove(runcId);
    await releaseMounts(dir);
    rmSync(this.layout.activeMarker(rec.id), { force: true });
  }

  async #removeLocked(rec: ContainerRecord, volumes: boolean): Promise<void> {
    await this.#cleanupRuntime(rec);
    if (rec.layer !== undefined) {
      const sn = await this.snapshotter();
      await sn.remove(rec.layer).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    const dir = this.layout.runtime(rec.id);
    await releaseMounts(dir);
    rmSync(dir, { recursive: true, force: true });
    this.records.removeRecord(rec);
    if (volumes) await this.#removeAnonymousVolumes(rec);
  }

  /** `rm -v`, `--rm`: the container's anonymous volumes, unless another container uses them (--volumes-from). */
  async #removeAnonymousVolumes(rec: ContainerRecord): Promise<void> {
    const anonymous = rec.mounts.filter((m) => m.type === "volume" && m.anonymous && m.name !== undefined);
    if (anonymous.length === 0) return;
    await this.volumes.locked(async () => {
      for (const m of anonymous) {
        if (this.volumes.read(m.name!) && volumeUsers(this.records, m.name!).length === 0) this.volumes.remove(m.name!);
      }
    });
  }

  async #exitWithin(rec: ContainerRecord, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (let delay = 5; ; delay = Math.min(delay * 2, 50)) {
      if (monitorView(this.layout, rec).kind !== "alive") return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    }
  }

  #exitCommand(id: string, runcId: string, runc: ContainerRunc): string[] {
    // runc's state of this run goes first; then, unless the CLI that waited on the container has
    // already cleaned up (the marker is gone), strata's own cleanup. A CLI that did costs a shell.
    const script = '"$1" --root "$2" delete "$3" >/dev/null 2>&1; [ -e "$4" ] || exit 0; shift 4; exec "$@"';
    return ["/bin/sh", "-c", script, "sh", runc.binary, runc.stateRoot, runcId, this.layout.activeMarker(id), ...this.#o.cleanupCommand(id)];
  }

  /** The layer blobs and diffIDs of the container's image, which it keeps even untagged. */
  async imageLayers(rec: ContainerRecord): Promise<{ layers: Descriptor[]; diffIds: Digest[] }> {
    const { store } = this.#o;
    const manifest = await store.content.readJSON<Manifest>(rec.imageManifest).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
      throw new StrataError("NOT_FOUND", `container ${rec.name}: its image ${rec.imageId} is no longer in the store`);
    });
    const config = await store.content.readJSON<{ rootfs: { diff_ids: Digest[] } }>(manifest.config.digest);
    return { layers: manifest.layers, diffIds: config.rootfs.diff_ids };
  }
}

export { isActive };

/** Mount points below `dir` (one read of mountinfo for a whole listing). */
async function mountedUnder(dir: string): Promise<Set<string>> {
  return new Set(await mountPointsUnder(dir));
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}
