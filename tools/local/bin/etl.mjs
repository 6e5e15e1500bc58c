#!/usr/bin/env node
// The `etl` command: runs a prebuilt bundle of the CLI (tools/local/dist/etl.mjs), built here
// with esbuild when it is missing or older than any source file it was built from. Starting
// from the bundle takes a fraction of a second; through pnpm and tsx it took seconds.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(packageDir, "dist", "etl.mjs");
const inputsFile = join(packageDir, "dist", "etl.inputs.json");

/** True when the bundle is missing, or a file it was built from changed (or vanished) since. */
function stale() {
  if (!existsSync(bundle) || !existsSync(inputsFile)) return true;
  const built = statSync(bundle).mtimeMs;
  const inputs = JSON.parse(readFileSync(inputsFile, "utf8"));
  for (const file of inputs) {
    try {
      if (statSync(file).mtimeMs > built) return true;
    } catch {
      return true;
    }
  }
  return false;
}

if (process.env.ETL_NO_BUNDLE === "1") {
  // Straight from the sources, for whoever changes the CLI and wants no build step.
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(packageDir, "src", "cli", "main.ts")).href);
} else {
  if (stale()) {
    const { buildCli } = await import("./build.mjs");
    await buildCli();
  }
  await import(pathToFileURL(bundle).href);
}
