// Bundles the compiled CLI (dist/, from `tsc -b`) into one CommonJS file, dist/bundle/strata.cjs,
// which bin/strata loads with a V8 code cache. Measured on a metadata-only build (hyperfine):
//   unbundled ESM (~300 module files)             150 ms
//   ESM bundle split into lazily loaded chunks     79 ms   (each wave of chunks: resolve, load, link)
//   one ESM file                                   67 ms
//   one CommonJS file + code cache (vm.Script)     56 ms   (Node 20 has no module.enableCompileCache)
//   the same without whitespace, syntax minified   -2 to -3 ms (700 → 475 KB to read and check;
//                                                  names are kept, so stack traces stay readable;
//                                                  renaming them too gained nothing more)
import { build } from "esbuild";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(cli, "dist/bundle");

const bundle = path.join(outdir, "strata.cjs");

/** commander's `require("node:child_process")` goes to a lazy stand-in (see lazy-child-process.cjs). */
const lazyChildProcessInCommander = {
  name: "lazy-child-process-in-commander",
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: path.join(cli, "scripts/lazy-child-process.cjs") }
        : undefined,
    );
  },
};
const result = await build({
  stdin: { contents: 'import { main } from "./main.js";\nvoid main(process.argv);\n', resolveDir: path.join(cli, "dist"), sourcefile: "bundle-entry.js" },
  outfile: bundle,
  write: false,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // Lazy `await import("node:https")` becomes a lazy require(): the launcher runs the bundle
  // through vm.Script, where require is the module loader at hand.
  supported: { "dynamic-import": false },
  legalComments: "none",
  // A native addon cannot be bundled: it is required from node_modules, lazily (see xattrs-native.ts).
  // yaml (163 KB of bundle, a third again of the rest) only reads `analyze --ci`'s rules file:
  // required from node_modules when that runs, so no other command reads it.
  external: ["@napi-rs/xattr", "yaml"],
  inject: [path.join(cli, "scripts/import-meta-url.js")],
  define: { "import.meta.url": "importMetaUrl" },
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [lazyChildProcessInCommander],
  logLevel: "warning",
});
const code = result.outputFiles[0].contents;
const old = await readFile(bundle).catch(() => undefined);
// An unchanged bundle is left alone (and keeps its code cache). A changed one replaces the old by
// rename, so a strata process starting meanwhile (tests run it while rebuilding) reads one whole file.
if (!old?.equals(code)) {
  await mkdir(outdir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  await writeFile(tmp, code);
  await rename(tmp, bundle);
  // The code caches were made for the old source: V8 would reject them anyway.
  for (const name of await readdir(outdir)) if (name.endsWith(".v8-cache")) await rm(path.join(outdir, name), { force: true });
}
