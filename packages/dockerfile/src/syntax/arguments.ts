import { LineFault } from "../errors.js";
import { goQuote } from "./go-quote.js";
import { parseJsonArray } from "./json-form.js";
import { isSpaceCode, splitWhitespace } from "./unicode.js";
import { splitQuotedWords } from "./words.js";

/** The arguments of one instruction as BuildKit's line parsers produce them. */
export interface ParsedArgs {
  args: string[];
  json: boolean;
}

const NONE: ParsedArgs = { args: [], json: false };

type ArgParser = (rest: string, escape: string) => ParsedArgs;

const whitespaceList: ArgParser = (rest) => (rest === "" ? NONE : { args: splitWhitespace(rest), json: false });

const verbatim: ArgParser = (rest) => (rest === "" ? NONE : { args: [rest], json: false });

/** RUN, CMD, ENTRYPOINT, SHELL: JSON array, else the whole rest as one string. */
const maybeJson: ArgParser = (rest) => {
  if (rest === "") return NONE;
  const json = parseJsonArray(rest);
  return json ? { args: json, json: true } : { args: [rest], json: false };
};

/** ADD, COPY, VOLUME: JSON array, else whitespace-separated words. */
const maybeJsonList: ArgParser = (rest, escape) => {
  const json = parseJsonArray(rest);
  return json ? { args: json, json: true } : whitespaceList(rest, escape);
};

/** ENV and LABEL: old form `KEY value...` or `k=v` words; each pair dumps as key, value, separator. */
function nameValue(keyword: string): ArgParser {
  return (rest, escape) => {
    const words = splitQuotedWords(rest, escape);
    if (words.length === 0) return NONE;
    if (!words[0]!.includes("=")) {
      const parts = splitWhitespace(rest, 2);
      if (parts.length < 2) throw new LineFault(`${keyword} must have two arguments`);
      return { args: [parts[0]!, parts[1]!, ""], json: false };
    }
    const args: string[] = new Array(words.length * 3);
    let i = 0;
    for (const word of words) {
      const eq = word.indexOf("=");
      if (eq < 0) throw new LineFault(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
      args[i++] = word.slice(0, eq);
      args[i++] = word.slice(eq + 1);
      args[i++] = "=";
    }
    return { args, json: false };
  };
}

const argWords: ArgParser = (rest, escape) => ({ args: splitQuotedWords(rest, escape), json: false });

/** HEALTHCHECK: the type word, then the command like CMD. */
const healthcheck: ArgParser = (rest, escape) => {
  let sep = 0;
  while (sep < rest.length && !isSpaceCode(rest.charCodeAt(sep))) sep++;
  if (sep === 0) return NONE;
  let next = sep;
  while (next < rest.length && isSpaceCode(rest.charCodeAt(next))) next++;
  const cmd = maybeJson(rest.slice(next), escape);
  return { args: [rest.slice(0, sep)].concat(cmd.args), json: cmd.json };
};

const PARSERS = new Map<string, ArgParser>(Object.entries({
  add: maybeJsonList,
  arg: argWords,
  cmd: maybeJson,
  copy: maybeJsonList,
  entrypoint: maybeJson,
  env: nameValue("ENV"),
  expose: whitespaceList,
  from: whitespaceList,
  healthcheck,
  label: nameValue("LABEL"),
  maintainer: verbatim,
  run: maybeJson,
  shell: maybeJson,
  stopsignal: verbatim,
  user: verbatim,
  volume: maybeJsonList,
  workdir: verbatim,
}));

/** Every keyword BuildKit knows (ONBUILD is handled by the parser itself). */
export const KNOWN_KEYWORDS = [...PARSERS.keys(), "onbuild"].sort();

/** Unknown keywords get exactly one empty argument, as in BuildKit (rejected later, by parseDockerfile). */
export function parseArguments(keywordLower: string, rest: string, escape: string): ParsedArgs {
  const parser = PARSERS.get(keywordLower);
  return parser ? parser(rest, escape) : { args: [""], json: false };
}
