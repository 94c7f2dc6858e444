import { existsSync } from "node:fs";
import type { Socket } from "node:net";
import { getSystemErrorMap } from "node:util";
import { runStreaming, type StreamingSubprocess } from "@strata/core";
import type { MountCall } from "./mount-calls.js";

/**
 * mount(2) and umount2(2) through one long-lived helper process. Node cannot make these calls,
 * and a `mount` or `umount` process per call costs ~2 ms of this process's time to spawn plus
 * 1–3 ms for the command to start, every RUN step paying for two. The helper is Perl, from
 * Debian's essential perl-base, whose `syscall` makes the raw call: ~0.3 ms a mount, measured
 * (bench/README.md). Where it cannot run (no perl, another architecture, STRATA_MOUNT=mount)
 * `mountHelper()` is undefined and callers run mount(8) and umount(8).
 */
const PERL = "/usr/bin/perl";
const SYSCALL_NUMBERS: Partial<Record<NodeJS.Architecture, { mount: number; umount2: number }>> = {
  x64: { mount: 165, umount2: 166 },
  arm64: { mount: 40, umount2: 39 },
};

// Requests are NUL-terminated fields: "m", source, target, fstype, flags, data, cwd ("" for
// none) or "u", target, flags. Each gets one line back: 0, or the errno.
// It ignores the terminal's signals (a Ctrl-C reaches the whole process group) so that strata can
// still unmount while it cleans up; it ends when strata closes its stdin or dies.
const SCRIPT = String.raw`
my ($mount, $umount2) = @ARGV;
$SIG{$_} = "IGNORE" for qw(INT TERM HUP QUIT);
$| = 1; $/ = "\0";
sub field { my $f = <STDIN>; exit 0 unless defined $f; chomp $f; $f }
while (defined(my $op = <STDIN>)) {
  chomp $op;
  my $r;
  if ($op eq "m") {
    my ($src, $dst, $type, $flags, $data, $cwd) = map { field() } 1 .. 6;
    $r = ($cwd eq "" || chdir $cwd) ? syscall($mount, $src, $dst, $type, 0 + $flags, $data) : -1;
    my $errno = $! + 0;
    chdir "/" if $cwd ne "";
    print(($r == 0 ? 0 : $errno), "\n");
  } else {
    my ($dst, $flags) = map { field() } 1 .. 2;
    $r = syscall($umount2, $dst, 0 + $flags);
    print(($r == 0 ? 0 : $! + 0), "\n");
  }
}
`;

/** A mount(2) or umount2(2) that failed: `code` is the errno's name (EBUSY, EINVAL, …). */
export class MountSyscallError extends Error {
  constructor(
    readonly errno: number,
    readonly code: string,
  ) {
    super(`${getSystemErrorMap().get(-errno)?.[1] ?? "error"} (${code})`);
    this.name = "MountSyscallError";
  }
}

/** The helper process is gone (killed, or closed): the call may or may not have been made. */
export class MountHelperGone extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MountHelperGone";
  }
}

export const MNT_DETACH = 2;

export interface MountHelper {
  mount(call: MountCall, cwd?: string): Promise<void>;
  unmount(target: string, flags?: number): Promise<void>;
  /** Ends the helper process once its calls are answered. */
  close(): void;
}

let shared: MountHelper | null | undefined;

/** The process-wide helper, started on first use; undefined where it cannot run. */
export function mountHelper(): MountHelper | undefined {
  if (shared === undefined) {
    const numbers = SYSCALL_NUMBERS[process.arch];
    shared = numbers && process.env.STRATA_MOUNT !== "mount" && existsSync(PERL) ? startHelper(numbers) : null;
  }
  return shared ?? undefined;
}

/** Tests switch between the helper and mount(8) with STRATA_MOUNT; this makes the next call look again. */
export function resetMountHelper(): void {
  shared?.close();
  shared = undefined;
}

function startHelper(numbers: { mount: number; umount2: number }): MountHelper {
  let proc: StreamingSubprocess | undefined;
  const waiting: Array<{ resolve(errno: number): void; reject(e: Error): void }> = [];
  let received = "";
  let gone: Error | undefined;

  const handles = () => [proc?.child, ...[proc?.stdin, proc?.stdout, proc?.child.stderr].map((s) => s as Socket | undefined)];
  // Referenced only while a call is out, so that an idle helper never keeps strata running.
  const setReferenced = (on: boolean) => {
    for (const h of handles()) if (h) on ? h.ref() : h.unref();
  };
  const fail = (e: Error) => {
    gone ??= e;
    if (shared === helper) shared = null; // later calls use mount(8)
    for (const w of waiting.splice(0)) w.reject(gone);
  };

  const start = (): StreamingSubprocess => {
    const p = runStreaming(PERL, ["-e", SCRIPT, String(numbers.mount), String(numbers.umount2)], { stdin: "pipe" });
    p.stdin!.on("error", () => {}); // the exit (below) explains it
    p.stdout.setEncoding("utf8");
    p.stdout.on("data", (chunk: string) => {
      received += chunk;
      for (let nl = received.indexOf("\n"); nl >= 0; nl = received.indexOf("\n")) {
        const line = received.slice(0, nl);
        received = received.slice(nl + 1);
        waiting.shift()?.resolve(Number(line));
      }
      if (waiting.length === 0) setReferenced(false);
    });
    p.done.then(
      () => fail(new MountHelperGone("the mount helper exited")),
      (e: Error) => fail(new MountHelperGone(`the mount helper failed: ${e.message}`)),
    );
    return p;
  };

  const call = (fields: readonly string[]): Promise<void> => {
    if (gone) return Promise.reject(gone);
    proc ??= start();
    if (waiting.length === 0) setReferenced(true);
    const reply = new Promise<number>((resolve, reject) => waiting.push({ resolve, reject }));
    proc.stdin!.write(fields.map((f) => `${f}\0`).join(""));
    return reply.then((errno) => {
      if (errno !== 0) throw new MountSyscallError(errno, errnoName(errno));
    });
  };

  const helper: MountHelper = {
    mount: (c, cwd = "") => call(["m", c.source, c.target, c.fstype, String(c.flags), c.data, cwd]),
    unmount: (target, flags = 0) => call(["u", target, String(flags)]),
    close: () => {
      gone ??= new MountHelperGone("the mount helper was closed");
      proc?.stdin!.end();
    },
  };
  return helper;
}

const errnoName = (errno: number): string => getSystemErrorMap().get(-errno)?.[0] ?? `errno ${errno}`;
