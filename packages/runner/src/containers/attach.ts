import { spawn, type StdioOptions } from "node:child_process";
import path from "node:path";
import { StrataError } from "@strata/core";

/**
 * conmon's attach socket is a SOCK_SEQPACKET unix socket (one byte of stream id, 2 = stdout,
 * 3 = stderr, then the bytes), which Node cannot open. This Perl (Debian's essential perl-base)
 * bridges it to plain stdio: the container's output goes straight to the inherited stdout and
 * stderr, never through Node; stdin is forwarded when asked and its end half-closes the socket
 * (conmon then closes the container's stdin). It connects from inside the bundle, since a
 * socket path is limited to 108 bytes. It prints "connected" on fd 3 once attached, and exits
 * when conmon closes the socket (the container exited) or, on a terminal, on the detach keys
 * (exit status 3). The terminal's signals are for the container, not for it.
 */
const SCRIPT = String.raw`
use strict; use warnings; use Socket;
my ($dir, $stdin, $keys, $wait) = @ARGV;
$SIG{$_} = "IGNORE" for qw(INT QUIT HUP TERM PIPE TSTP);
chdir $dir or die "attach: $dir: $!\n";
socket(my $s, AF_UNIX, SOCK_SEQPACKET, 0) or die "attach: socket: $!\n";
# With a wait, conmon is still starting: its socket appears within moments.
for (my $tries = $wait ? 2500 : 0; !connect($s, pack_sockaddr_un("attach")); $tries--) {
  die "attach: connect: $!\n" if $tries <= 0 || !($!{ENOENT} || $!{ECONNREFUSED});
  select(undef, undef, undef, 0.002);
}
if (open(my $ready, ">&=", 3)) { syswrite($ready, "connected\n"); close $ready; }
my @detach = map { chr(hex $_) } grep { length } split /,/, ($keys // "");
my $matched = 0;
sub out { my ($fh, $data) = @_; while (length $data) { my $n = syswrite($fh, $data); return unless defined $n; substr($data, 0, $n) = ""; } }
my $rin = ""; vec($rin, fileno($s), 1) = 1; vec($rin, 0, 1) = 1 if $stdin;
while (1) {
  my $rout;
  my $n = select($rout = $rin, undef, undef, undef);
  next if $n < 0 && $!{EINTR};
  if (vec($rout, fileno($s), 1)) {
    my $got = sysread($s, my $buf, 65536);
    last unless $got;
    my $id = ord(substr($buf, 0, 1, ""));
    out($id == 3 ? \*STDERR : \*STDOUT, $buf);
  }
  if ($stdin && vec($rout, 0, 1)) {
    my $got = sysread(STDIN, my $buf, 8192);
    if (!$got) { shutdown($s, 1); vec($rin, 0, 1) = 0; $stdin = 0; next; }
    if (@detach) {
      for my $c (split //, $buf) {
        if ($c eq $detach[$matched]) { $matched++; exit 3 if $matched == @detach; }
        else { $matched = $c eq $detach[0] ? 1 : 0; }
      }
    }
    out($s, $buf);
  }
}
exit 0;
`;

/** Docker's default detach keys, ctrl-p ctrl-q, as byte codes for the helper. */
export const DEFAULT_DETACH_KEYS = "10,11";

export interface AttachOptions {
  /** The container's runtime directory (conmon's bundle), holding the `attach` socket. */
  bundle: string;
  /** Forward this process's stdin to the container. */
  stdin: boolean;
  /** Comma-separated hex byte codes that detach (terminal only), e.g. DEFAULT_DETACH_KEYS. */
  detachKeys?: string;
  /** Where the container's output goes: this process's stdio (default) or pipes. */
  stdio?: "inherit" | "pipe";
  /** The monitor is being started: wait (up to 5 s) for its socket to appear. */
  waitForSocket?: boolean;
  /** Aborting kills the helper (the start it waited for failed). */
  signal?: AbortSignal;
}

export interface AttachSession {
  /** Resolves once conmon closed the connection (the container exited), or true when detached by keys. */
  done: Promise<{ detached: boolean }>;
  stdout?: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
  stdin?: NodeJS.WritableStream;
  close(): void;
}

/** Connects to a container's attach socket; resolves once connected, so nothing it writes after is missed. */
export async function attach(o: AttachOptions): Promise<AttachSession> {
  const piped = o.stdio === "pipe";
  const stdio: StdioOptions = [o.stdin ? (piped ? "pipe" : "inherit") : "ignore", piped ? "pipe" : "inherit", piped ? "pipe" : "inherit", "pipe"];
  const child = spawn("/usr/bin/perl", ["-e", SCRIPT, path.resolve(o.bundle), o.stdin ? "1" : "", o.detachKeys ?? "", o.waitForSocket ? "1" : ""], { stdio });
  const ready = child.stdio[3] as NodeJS.ReadableStream;
  const kill = () => void child.kill("SIGKILL");
  if (o.signal?.aborted) kill();
  o.signal?.addEventListener("abort", kill, { once: true });
  const done = new Promise<{ detached: boolean }>((resolve, reject) => {
    child.once("error", (e) => reject(new StrataError("UNAVAILABLE", `cannot attach: ${e.message}`)));
    child.once("close", (code) => resolve({ detached: code === 3 }));
  });
  const connected = await new Promise<boolean>((resolve) => {
    ready.once("data", () => resolve(true));
    ready.once("end", () => resolve(false));
    ready.once("error", () => resolve(false));
  });
  if (!connected) {
    await done.catch(() => {});
    throw new StrataError("FAILED_PRECONDITION", "cannot attach to the container: its monitor is not listening");
  }
  return {
    done,
    stdout: child.stdout ?? undefined,
    stderr: child.stderr ?? undefined,
    stdin: child.stdin ?? undefined,
    close: kill,
  };
}
