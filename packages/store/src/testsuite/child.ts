import { writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { execa, type Options } from "execa";

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, "../../../..");

/**
 * Child processes cannot import TypeScript sources, so tests that need real separate processes
 * (locking, memory) get core + store transpiled into `dir` (with node_modules linked) and import
 * `${dir}/store/index.js`.
 */
export async function buildChildModules(dir: string): Promise<string> {
  for (const pkg of ["core", "store"]) {
    const src = path.join(repo, "packages", pkg, "src");
    const out = path.join(dir, pkg);
    await mkdir(out, { recursive: true });
    for (const name of await readdir(src)) {
      if (!name.endsWith(".ts") || name.endsWith(".test.ts")) continue;
      const code = await readFile(path.join(src, name), "utf8");
      const js = ts.transpileModule(code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      }).outputText.replaceAll('"@strata/core"', '"../core/index.js"');
      await writeFile(path.join(out, name.replace(/\.ts$/, ".js")), js);
    }
  }
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  await symlink(path.join(repo, "node_modules"), path.join(dir, "node_modules")).catch(() => {});
  return path.join(dir, "store", "index.js");
}

/** Run an ES module script (text) with node; it can import the store through `STORE` in its text. */
export function runScript(dir: string, name: string, script: string, opts: Options = {}) {
  const file = path.join(dir, name);
  writeFileSync(file, script);
  return execa(process.execPath, ["--expose-gc", file], { cwd: dir, ...opts });
}
