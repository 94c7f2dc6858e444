import { spawn } from "node:child_process";
import { isIP } from "node:net";
import { StrataError } from "@strata/core";
import type { PortBinding } from "./types.js";

/**
 * `-p [IP:][HOSTPORT:]CONTAINERPORT[/tcp]`, Docker's forms: "80", "8080:80", "127.0.0.1:8080:80",
 * "127.0.0.1::80" (any free host port), "[::1]:8080:80". Ranges and UDP are not supported.
 */
export function parsePortSpec(spec: string): PortBinding {
  const bad = (why: string) => new StrataError("INVALID_ARGUMENT", `invalid publish spec "${spec}": ${why}`);
  let rest = spec;
  let protocol = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    protocol = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
  }
  if (protocol !== "tcp") throw bad(`protocol ${protocol} is not supported (tcp only)`);
  let hostIp = "";
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0 || rest[close + 1] !== ":") throw bad("unclosed [");
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  } else {
    const parts = rest.split(":");
    if (parts.length === 3) {
      hostIp = parts[0]!;
      rest = `${parts[1]}:${parts[2]}`;
    } else if (parts.length > 3) throw bad("too many colons");
  }
  if (hostIp !== "" && isIP(hostIp) === 0) throw bad(`${hostIp} is not an IP address`);
  const [a, b] = rest.split(":") as [string, string | undefined];
  const hostPart = b === undefined ? "" : a;
  const containerPart = b === undefined ? a : b;
  const port = (s: string, what: string, allowZero: boolean) => {
    if (s.includes("-")) throw bad("port ranges are not supported");
    if (!/^\d+$/.test(s)) throw bad(`${what} port "${s}" is not a number`);
    const n = Number(s);
    if (n > 65535 || (!allowZero && n === 0)) throw bad(`${what} port ${n} is out of range`);
    return n;
  };
  return {
    hostIp: hostIp || "0.0.0.0",
    hostPort: hostPart === "" ? 0 : port(hostPart, "host", false),
    containerPort: port(containerPart, "container", false),
    protocol: "tcp",
  };
}

/** "127.0.0.1:8080->80/tcp", as `docker ps` shows a binding. */
export function formatBinding(b: PortBinding): string {
  const ip = b.hostIp.includes(":") ? `[${b.hostIp}]` : b.hostIp;
  return `${ip}:${b.hostPort}->${b.containerPort}/${b.protocol}`;
}

const SETNS: Partial<Record<NodeJS.Architecture, number>> = { x64: 308, arm64: 268 };
const CLONE_NEWNET = 0x40000000;

/**
 * The userland proxy: binds every host address in the host's network namespace, then enters the
 * container's (setns through /proc/PID/ns/net) so that each connection it accepts is relayed to
 * the container's own loopback. One small Perl process per container (Debian's essential
 * perl-base), not a Node process; it exits when the container's init is gone.
 */
const SCRIPT = String.raw`
use strict; use warnings; use Socket qw(:all); use POSIX (); use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
my ($setns, $pid, @specs) = @ARGV;
$SIG{PIPE} = "IGNORE"; $SIG{HUP} = "IGNORE"; $SIG{INT} = "IGNORE";
my (@listen, %peer, %cport, %out);
for my $spec (@specs) {
  my ($ip, $port, $cport) = split /,/, $spec;
  my $v6 = $ip =~ /:/;
  socket(my $l, $v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0) or do { print "error socket: $!\n"; exit 1 };
  setsockopt($l, SOL_SOCKET, SO_REUSEADDR, 1);
  my $addr = $v6 ? pack_sockaddr_in6($port, inet_pton(AF_INET6, $ip)) : pack_sockaddr_in($port, inet_aton($ip));
  bind($l, $addr) or do { print "error bind $ip:$port: $!\n"; exit 1 };
  listen($l, 128) or do { print "error listen $ip:$port: $!\n"; exit 1 };
  my $bound = $v6 ? (unpack_sockaddr_in6(getsockname($l)))[0] : (unpack_sockaddr_in(getsockname($l)))[0];
  fcntl($l, F_SETFL, fcntl($l, F_GETFL, 0) | O_NONBLOCK); # a connection reset before accept must not block the relay
  push @listen, $l; $cport{fileno $l} = $cport;
  print "bound $bound\n";
}
open(my $ns, "<", "/proc/$pid/ns/net") or do { print "error netns: $!\n"; exit 1 };
syscall($setns, fileno($ns), ${CLONE_NEWNET}) == 0 or do { print "error setns: $!\n"; exit 1 };
close $ns;
print "ready\n";
open(STDOUT, ">", "/dev/null"); open(STDIN, "<", "/dev/null");
POSIX::setsid();
my (%fh, %eof, %shut);
$fh{fileno $_} = $_ for @listen;
my ($rout, $wout);
sub drop { my $fd = shift; my @both = ($fd, defined $peer{$fd} ? ($peer{$fd} + 0) : ()); for my $x (@both) { close(delete $fh{$x}) if $fh{$x}; delete $peer{$x}; delete $out{$x}; delete $eof{$x}; delete $shut{$x}; } }
sub ended { my $fd = shift; my $p = $peer{$fd}; return drop($fd) unless defined $p && $fh{$p};
  $eof{$fd} = 1; if (length $out{$p}) { $shut{$p} = 1 } else { shutdown($fh{$p}, 1) }
  drop($fd) if $eof{$p} && !length $out{$fd} && !length $out{$p}; }
while (1) {
  my ($rin, $win) = ("", "");
  vec($rin, $_, 1) = 1 for grep { !$eof{$_} } keys %fh;
  vec($win, $_, 1) = 1 for grep { length $out{$_} } keys %out;
  my $n = select($rout = $rin, $wout = $win, undef, 1);
  exit 0 unless kill 0, $pid;
  next if $n <= 0;
  my %fresh;
  my @ready = grep { $fh{$_} && vec($rout, $_, 1) } keys %fh;
  for my $fd (@ready) {
    next unless $fh{$fd} && !$fresh{$fd};
    if (exists $cport{$fd}) {
      accept(my $c, $fh{$fd}) or next;
      socket(my $u, AF_INET, SOCK_STREAM, 0) or do { close $c; next };
      connect($u, pack_sockaddr_in($cport{$fd}, inet_aton("127.0.0.1"))) or do { close $c; close $u; next };
      fcntl($_, F_SETFL, fcntl($_, F_GETFL, 0) | O_NONBLOCK) for $c, $u;
      my ($cf, $uf) = (fileno $c, fileno $u);
      $fresh{$cf} = $fresh{$uf} = 1;
      $fh{$cf} = $c; $fh{$uf} = $u; $peer{$cf} = $uf; $peer{$uf} = $cf; $out{$cf} = ""; $out{$uf} = "";
      next;
    }
    my $got = sysread($fh{$fd}, my $buf, 65536);
    next if !defined $got && ($!{EAGAIN} || $!{EINTR});
    if (!$got) { ended($fd); next; }
    $out{$peer{$fd}} .= $buf if defined $peer{$fd};
  }
  my @writable = grep { $fh{$_} && length $out{$_} && vec($wout, $_, 1) } keys %out;
  for my $fd (@writable) {
    next unless $fh{$fd} && !$fresh{$fd} && length($out{$fd} // "");
    my $w = syswrite($fh{$fd}, $out{$fd});
    next if !defined $w && $!{EAGAIN};
    if (!defined $w) { drop($fd); next; }
    substr($out{$fd}, 0, $w) = "";
    next if length $out{$fd};
    shutdown($fh{$fd}, 1) if delete $shut{$fd};
    my $p = $peer{$fd};
    drop($fd) if defined $p && $eof{$fd} && $eof{$p};
  }
}
`;

/**
 * Starts the proxy for a created (not yet started) container whose init has `pid`. Resolves
 * with the proxy's pid and the bindings with their host ports filled in; a port that cannot be
 * bound (already in use) is an error and nothing is left running.
 */
export async function startPortProxy(pid: number, bindings: readonly PortBinding[]): Promise<{ proxyPid: number; bound: PortBinding[] }> {
  const setns = SETNS[process.arch];
  if (setns === undefined) throw new StrataError("NOT_IMPLEMENTED", `publishing ports is not supported on ${process.arch}`);
  const specs = bindings.map((b) => `${b.hostIp},${b.hostPort},${b.containerPort}`);
  const child = spawn("/usr/bin/perl", ["-e", SCRIPT, String(setns), String(pid), ...specs], {
    stdio: ["ignore", "pipe", "ignore"],
    detached: true,
  });
  const lines: string[] = [];
  const outcome = await new Promise<string>((resolve) => {
    let text = "";
    child.once("error", (e) => resolve(`error ${e.message}`));
    child.stdout!.on("data", (c: Buffer) => {
      text += c.toString();
      let nl: number;
      while ((nl = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (line === "ready" || line.startsWith("error")) return resolve(line);
        lines.push(line);
      }
    });
    child.stdout!.on("end", () => resolve("error the proxy exited"));
  });
  child.stdout!.destroy();
  if (outcome !== "ready") {
    child.kill("SIGKILL");
    const why = outcome.slice("error ".length);
    const m = /^bind (\S+): Address already in use/.exec(why);
    throw new StrataError(
      m ? "ALREADY_EXISTS" : "INTERNAL",
      m ? `Bind for ${m[1]} failed: port is already allocated` : `cannot publish ports: ${why}`,
    );
  }
  child.unref();
  const ports = lines.map((l) => Number(l.slice("bound ".length)));
  return { proxyPid: child.pid!, bound: bindings.map((b, i) => ({ ...b, hostPort: ports[i] ?? b.hostPort })) };
}
