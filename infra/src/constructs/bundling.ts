import { copyFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type BuildOptions, buildSync } from "esbuild";
import { REPO_ROOT } from "../paths";

/**
 * The house esbuild settings, shared by the `EtlFunction` construct and by `measureBundles`
 * (both through `houseBuildOptions`), so the sizes reported are the sizes deployed.
 *
 * - ESM output for Node 22, minified, external source maps without sources content.
 * - The banner gives the ESM bundle a `require` (CommonJS dependencies such as `pg` require
 *   Node built-ins) and a directory name: esbuild leaves CommonJS `__dirname` references as
 *   they are, and `define` points them at `__etl_dirname`, the bundle's own directory.
 * - The AWS SDK is bundled, not taken from the runtime, so the version tested is the version run.
 * - `pg-native` is an optional dependency of `pg` that is never installed.
 */
export const HOUSE_ESBUILD = {
  target: "node22",
  platform: "node",
  format: "esm",
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ["module", "main"],
  external: ["pg-native"],
  banner: [
    "import { createRequire as __etlCreateRequire } from 'node:module';",
    "import { fileURLToPath as __etlFileURLToPath } from 'node:url';",
    "import { dirname as __etlDirname } from 'node:path';",
    "const require = __etlCreateRequire(import.meta.url);",
    "const __etl_filename = __etlFileURLToPath(import.meta.url);",
    "const __etl_dirname = __etlDirname(__etl_filename);",
  ].join(""),
  define: { __dirname: "__etl_dirname", __filename: "__etl_filename" },
} as const;

/** The file name the Parquet WASM glue code loads from the bundle's directory. */
export const PARQUET_WASM_FILE = "parquet_wasm_bg.wasm";

/**
 * Where the Parquet WASM module lives. `parquet-wasm`'s Node build reads
 * `${__dirname}/parquet_wasm_bg.wasm` at import; bundled, `__dirname` is the bundle's
 * directory, so the module is copied there (`copyWasmIfLoaded`, after each bundling) whenever the bundle
 * names it: the transform by design, any other bundle only if it pulls in the Parquet writer.
 */
export function parquetWasmSource(): string {
  const fromS3Io = createRequire(join(REPO_ROOT, "packages", "s3-io", "package.json"));
  return fromS3Io.resolve(`parquet-wasm/node/${PARQUET_WASM_FILE}`);
}

/** esbuild's options for one handler entry bundled into `outfile` with the house settings. */
export function houseBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: HOUSE_ESBUILD.platform,
    target: HOUSE_ESBUILD.target,
    format: HOUSE_ESBUILD.format,
    minify: HOUSE_ESBUILD.minify,
    sourcemap: HOUSE_ESBUILD.sourcemap,
    sourcesContent: HOUSE_ESBUILD.sourcesContent,
    mainFields: [...HOUSE_ESBUILD.mainFields],
    external: [...HOUSE_ESBUILD.external],
    banner: { js: HOUSE_ESBUILD.banner },
    define: { ...HOUSE_ESBUILD.define },
    logLevel: "silent",
  };
}

/** Copies the Parquet WASM module beside a bundle that names it; true when it did. */
export function copyWasmIfLoaded(outdir: string): boolean {
  if (!readFileSync(join(outdir, "index.mjs"), "utf8").includes(PARQUET_WASM_FILE)) return false;
  copyFileSync(parquetWasmSource(), join(outdir, PARQUET_WASM_FILE));
  return true;
}

/**
 * Bundles one entry into `outdir/index.mjs` (+ source map, + the WASM module when it loads it),
 * synchronously, through esbuild's API: the CDK asset's local bundling. It runs in the CDK app's
 * own process, so it needs neither an `esbuild` on the PATH nor a package manager's `exec`,
 * whichever way `cdk` was started. Errors are thrown with esbuild's messages (file and line).
 */
export function bundleEntrySync(entry: string, outdir: string): void {
  const result = buildSync(houseBuildOptions(entry, join(outdir, "index.mjs")));
  const warnings = result.warnings.map((w) => `${w.location?.file ?? entry}: ${w.text}`);
  for (const warning of warnings) process.stderr.write(`esbuild warning: ${warning}\n`);
  copyWasmIfLoaded(outdir);
}
