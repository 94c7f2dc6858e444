import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CASES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../cases");

/** `args.json` of a case: everything beyond "build the Dockerfile in this directory". */
export interface CaseSpec {
  comment?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Images built (and tagged) first, from the same context, e.g. a base with ONBUILD triggers. */
  prebuild?: Array<{ dockerfile: string; tag: string }>;
  /** A Dockerfile the Docker side builds instead, for syntax Docker 20.10's frontend lacks. */
  dockerDockerfile?: string;
}

export interface CompatCase {
  name: string;
  dir: string;
  spec: CaseSpec;
}

export function loadCases(): CompatCase[] {
  return readdirSync(CASES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(CASES_DIR, d.name, "Dockerfile")))
    .map((d) => {
      const dir = path.join(CASES_DIR, d.name);
      const argsFile = path.join(dir, "args.json");
      const spec = existsSync(argsFile) ? (JSON.parse(readFileSync(argsFile, "utf8")) as CaseSpec) : {};
      return { name: d.name, dir, spec };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
