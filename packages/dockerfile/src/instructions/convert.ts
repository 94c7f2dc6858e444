import { LineFault } from "../errors.js";
import type { Heredoc, Node } from "../syntax/ast.js";
import { isHeredocWord, stripLeadingTabs } from "../syntax/heredoc.js";
import { parseFlags, type FlagKind, type FlagValues } from "./flags.js";
import type { CopyInstruction, FromInstruction, HealthcheckInstruction, Instruction } from "./types.js";
import { parseDuration, validateChmod, validateChown, validatePort } from "./values.js";

const VALID_STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const MIN_INTERVAL_NS = 1_000_000;
const JSON_HINT = 'write it as a JSON array of strings, e.g. SHELL ["/bin/sh", "-c"]; back-slashes must be escaped ("c:\\\\tools")';

// Instructions are built as object literals with the base fields written out (shorthand):
// spreading a shared base object is several times slower in V8, and a big Dockerfile has
// ~100k instructions.
type Base = { keyword: string; original: string; startLine: number; endLine: number };

const NO_FLAGS: Record<string, FlagKind> = {};
const FLAG_SPECS: Record<string, Record<string, FlagKind>> = {
  from: { platform: "string" },
  run: { mount: "strings", network: "string", security: "string" },
  copy: { from: "string", chown: "string", chmod: "string", link: "bool", parents: "bool", exclude: "strings" },
  add: { chown: "string", chmod: "string", link: "bool", exclude: "strings", checksum: "string", "keep-git-dir": "bool", unpack: "bool" },
  healthcheck: { interval: "string", timeout: "string", "start-period": "string", "start-interval": "string", retries: "string" },
};

const atLeastOne = (kw: string) => new LineFault(`${kw} requires at least one argument`);
const exactlyOne = (kw: string) => new LineFault(`${kw} requires exactly one argument`);

/**
 * Turn one raw AST node into a typed instruction, checking what BuildKit's instruction
 * parser checks. `heredocs` are the node's (for ONBUILD, the wrapper's) raw heredocs.
 * Throws LineFault; the caller adds the location.
 */
export function convertNode(node: Node, heredocs: readonly Heredoc[] = node.heredocs): Instruction {
  const lower = node.keyword.toLowerCase();
  const keyword = node.keyword.toUpperCase();
  const { original, startLine, endLine } = node;
  const base: Base = { keyword, original, startLine, endLine };
  // BuildKit never looks at the flags of STOPSIGNAL or HEALTHCHECK NONE, so any are accepted there.
  const flagsIgnored = lower === "stopsignal" || (lower === "healthcheck" && node.args[0]?.toUpperCase() === "NONE");
  const flags = parseFlags(keyword, flagsIgnored ? [] : node.flags, FLAG_SPECS[lower] ?? NO_FLAGS);
  const args = node.args;
  const typedHeredocs = heredocs.map((h) => (h.chomp ? { ...h, content: stripLeadingTabs(h.content) } : { ...h }));

  switch (lower) {
    case "from":
      return convertFrom(base, args, flags);
    case "run":
      return {
        kind: "run",
        keyword,
        original,
        startLine,
        endLine,
        shell: !node.json,
        cmd: [...args],
        mounts: flags.lists.get("mount") ?? [],
        network: flags.strings.get("network"),
        security: flags.strings.get("security"),
        heredocs: typedHeredocs,
      };
    case "cmd":
    case "entrypoint":
      return { kind: lower, keyword, original, startLine, endLine, shell: !node.json, cmd: [...args] };
    case "shell":
      if (args.length === 0) throw atLeastOne(keyword);
      if (!node.json) throw new LineFault("SHELL requires the arguments to be in JSON form", JSON_HINT);
      return { kind: "shell", keyword, original, startLine, endLine, cmd: [...args] };
    case "env":
    case "label": {
      if (args.length === 0) throw atLeastOne(keyword);
      const pairs = [];
      for (let i = 0; i + 2 < args.length; i += 3) {
        if (args[i] === "") throw new LineFault(`${keyword} names can not be blank`);
        pairs.push({ key: args[i]!, value: args[i + 1]! });
      }
      return { kind: lower, keyword, original, startLine, endLine, pairs };
    }
    case "arg": {
      if (args.length === 0) throw atLeastOne(keyword);
      return {
        kind: "arg",
        keyword,
        original,
        startLine,
        endLine,
        args: args.map((word) => {
          const eq = word.indexOf("=");
          if (eq === 0) throw new LineFault("ARG names can not be blank");
          return eq < 0 ? { key: word } : { key: word.slice(0, eq), value: word.slice(eq + 1) };
        }),
      };
    }
    case "copy":
    case "add":
      return convertCopy(base, lower, node, flags, typedHeredocs);
    case "workdir":
      if (args.length !== 1) throw exactlyOne(keyword);
      return { kind: "workdir", keyword, original, startLine, endLine, path: args[0]! };
    case "user":
      if (args.length !== 1) throw exactlyOne(keyword);
      return { kind: "user", keyword, original, startLine, endLine, user: args[0]! };
    case "stopsignal":
      if (args.length !== 1) throw exactlyOne(keyword);
      return { kind: "stopsignal", keyword, original, startLine, endLine, signal: args[0]! };
    case "maintainer":
      if (args.length !== 1) throw exactlyOne(keyword);
      return { kind: "maintainer", keyword, original, startLine, endLine, name: args[0]! };
    case "expose":
      if (args.length === 0) throw atLeastOne(keyword);
      args.forEach(validatePort);
      // BuildKit sorts the ports (as strings) when it parses EXPOSE.
      return { kind: "expose", keyword, original, startLine, endLine, ports: [...args].sort() };
    case "volume":
      if (args.length === 0) throw atLeastOne(keyword);
      for (const v of args) if (v.trim() === "") throw new LineFault("VOLUME specified can not be an empty string");
      return { kind: "volume", keyword, original, startLine, endLine, paths: args.map((v) => v.trim()) };
    case "healthcheck":
      return convertHealthcheck(base, node, flags);
    case "onbuild":
      return convertOnbuild(base, node);
  }
  throw new LineFault(`unknown instruction: ${keyword}`);
}

function convertFrom(base: Base, args: string[], flags: FlagValues): FromInstruction {
  const { keyword, original, startLine, endLine } = base;
  let stageName: string | undefined;
  if (args.length === 3 && args[1]!.toLowerCase() === "as") {
    stageName = args[2]!.toLowerCase();
    if (!VALID_STAGE_NAME.test(stageName)) {
      throw new LineFault(`invalid name for build stage: "${args[2]}", name can't start with a number or contain symbols`);
    }
  } else if (args.length !== 1) throw new LineFault("FROM requires either one or three arguments");
  return { kind: "from", keyword, original, startLine, endLine, image: args[0]!, stageName, platform: flags.strings.get("platform") };
}

function convertCopy(base: Base, kind: "copy" | "add", node: Node, flags: FlagValues, heredocs: Heredoc[]): CopyInstruction {
  const { keyword, original, startLine, endLine } = base;
  const args = node.args;
  if (args.length < 2) {
    throw new LineFault(`${keyword} requires at least two arguments, but only ${args.length === 0 ? "none were" : "one was"} provided. Destination could not be determined.`);
  }
  const dest = args[args.length - 1]!;
  if (!node.json && isHeredocWord(dest)) throw new LineFault(`${keyword} cannot accept a heredoc as a destination`);
  const chown = flags.strings.get("chown");
  const chmod = flags.strings.get("chmod");
  if (chown !== undefined) validateChown(chown);
  if (chmod !== undefined) validateChmod(chmod);
  return {
    kind,
    keyword,
    original,
    startLine,
    endLine,
    sources: args.slice(0, -1),
    dest,
    json: node.json,
    from: flags.strings.get("from"),
    chown,
    chmod,
    link: flags.bools.get("link") ?? false,
    parents: flags.bools.get("parents") ?? false,
    excludes: flags.lists.get("exclude") ?? [],
    checksum: flags.strings.get("checksum"),
    keepGitDir: flags.bools.get("keep-git-dir") ?? false,
    unpack: flags.bools.get("unpack"),
    heredocs,
  };
}

function interval(flags: FlagValues, name: string): number | undefined {
  const text = flags.strings.get(name);
  if (text === undefined || text === "") return undefined;
  const ns = parseDuration(text);
  if (ns === 0) return undefined;
  if (ns < MIN_INTERVAL_NS) throw new LineFault(`Interval "${name}" cannot be less than 1ms`);
  return ns;
}

function convertHealthcheck(base: Base, node: Node, flags: FlagValues): HealthcheckInstruction {
  const { keyword, original, startLine, endLine } = base;
  if (node.args.length === 0) throw atLeastOne(keyword);
  const type = node.args[0]!.toUpperCase();
  const rest = node.args.slice(1);
  if (type === "NONE") {
    if (rest.length !== 0) throw new LineFault("HEALTHCHECK NONE takes no arguments");
    return { kind: "healthcheck", keyword, original, startLine, endLine, none: true, test: ["NONE"] };
  }
  if (type !== "CMD") throw new LineFault(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  if (rest.length === 0) throw new LineFault("Missing command after HEALTHCHECK CMD");
  const out: HealthcheckInstruction = {
    kind: "healthcheck",
    keyword,
    original,
    startLine,
    endLine,
    none: false,
    test: [node.json ? "CMD" : "CMD-SHELL", ...rest],
  };
  const timing = { interval: "interval", timeout: "timeout", startPeriod: "start-period", startInterval: "start-interval" } as const;
  for (const [field, flag] of Object.entries(timing) as [keyof typeof timing, string][]) {
    const ns = interval(flags, flag);
    if (ns !== undefined) out[field] = ns;
  }
  const retries = flags.strings.get("retries");
  if (retries !== undefined && retries !== "") {
    if (!/^[+-]?[0-9]+$/.test(retries) || Math.abs(Number(retries)) > 2 ** 31 - 1) {
      throw new LineFault(`invalid --retries value ${JSON.stringify(retries)}: expected an integer`);
    }
    const n = Number(retries);
    if (n < 0) throw new LineFault(`--retries cannot be negative (${n})`);
    if (n !== 0) out.retries = n;
  }
  return out;
}

function convertOnbuild(base: Base, node: Node): Instruction {
  const { keyword, original, startLine, endLine } = base;
  const sub = node.sub;
  if (!sub) throw atLeastOne(keyword);
  const trigger = sub.keyword.toUpperCase();
  if (trigger === "ONBUILD") throw new LineFault("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === "FROM" || trigger === "MAINTAINER") throw new LineFault(`${trigger} isn't allowed as an ONBUILD trigger`);
  const inner = convertNode({ ...sub, startLine: node.startLine, endLine: node.endLine }, node.heredocs);
  // As BuildKit: the trigger keeps its heredoc bodies and terminators, so a child build can re-parse it.
  let expression = node.original.replace(/^\s*ONBUILD\s*/i, "");
  for (const h of node.heredocs) expression += "\n" + h.content + h.name;
  return { kind: "onbuild", keyword, original, startLine, endLine, expression, inner };
}
