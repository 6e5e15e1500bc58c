import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { IngestConfigSchema } from "@etl/ingest/config";
import { LoadConfigSchema } from "@etl/load/config";
import { TransformConfigSchema } from "@etl/transform/config";
import { build } from "esbuild";
import { copyWasmIfLoaded, houseBuildOptions, PARQUET_WASM_FILE } from "./constructs/bundling";
import { buildEnvironment } from "./function-env";
import { type AppName, entryPath, HANDLERS, type HandlerSpec } from "./handlers";

export interface BundleMeasurement {
  app: AppName;
  handler: string;
  entry: string;
  /** Minified ESM bundle, without its source map. */
  bytes: number;
  /** The Parquet WASM module shipped beside the bundle, when the bundle loads it (by design the transform only). */
  wasmBytes?: number;
  /** Time to import the bundle in a fresh Node process (module init, before the first event). */
  initMs?: number;
  /** Why the import failed, when it did (init that needs the network, say). */
  initError?: string;
}

export interface BundleFailure {
  app: AppName;
  handler: string;
  entry: string;
  error: string;
}

export interface MeasureOptions {
  handlers?: readonly HandlerSpec[];
  /** Also import each bundle in a child process with a placeholder environment and time it. */
  measureInit?: boolean;
  /** Give up on an import after this long. */
  initTimeoutMs?: number;
}

const COMMON_ENV = {
  AUDIT_TABLE: "etl-audit",
  FAILURE_TABLE: "etl-failure",
  ALERT_TOPIC_ARN: "arn:aws:sns:eu-west-2:123456789012:etl-alerts",
};

/** Placeholder environments that pass each app's config schema (nothing is contacted at import). */
function placeholderEnvironment(app: AppName): Record<string, string> {
  switch (app) {
    case "ingest":
      return buildEnvironment("ingest", IngestConfigSchema, {
        ...COMMON_ENV,
        INGEST_BUCKET: "etl-ingest",
        STATE_TABLE: "etl-state",
        DB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/totesys-AbCdEf",
      });
    case "transform":
      return buildEnvironment("transform", TransformConfigSchema, {
        ...COMMON_ENV,
        INGEST_BUCKET: "etl-ingest",
        PROCESSED_BUCKET: "etl-processed",
        STATE_TABLE: "etl-state",
      });
    case "load":
      return buildEnvironment("load", LoadConfigSchema, {
        ...COMMON_ENV,
        PROCESSED_BUCKET: "etl-processed",
        LANDING_BUCKET: "etl-landing",
        STATE_TABLE: "etl-state",
        WAREHOUSE_TARGET: "postgres",
        WAREHOUSE_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/warehouse-AbCdEf",
      });
  }
}

/** The budget per bundle (minified, without the WASM module), from the infrastructure issue. */
export const BUNDLE_BUDGET_BYTES = 1.5 * 1024 * 1024;

/** Bundles one entry with the house settings into `outdir/index.mjs` (+ the WASM module when it loads it). */
export async function bundleHandler(spec: HandlerSpec, outdir: string): Promise<string> {
  const outfile = join(outdir, "index.mjs");
  await build(houseBuildOptions(entryPath(spec), outfile));
  copyWasmIfLoaded(outdir);
  return outfile;
}

const IMPORT_SCRIPT = [
  "const started = performance.now();",
  "await import(process.argv[1]);",
  "process.stdout.write(JSON.stringify({ ms: performance.now() - started }));",
].join("\n");

function timeImport(
  bundle: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ ms: number } | { error: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", IMPORT_SCRIPT, pathToFileURL(bundle).href],
      {
        env: {
          PATH: process.env.PATH ?? "",
          AWS_REGION: "eu-west-2",
          AWS_ACCESS_KEY_ID: "placeholder",
          AWS_SECRET_ACCESS_KEY: "placeholder",
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          AWS_LAMBDA_FUNCTION_NAME: "bundle-measurement",
          POWERTOOLS_LOG_LEVEL: "SILENT",
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        if (code === 0) return resolve(JSON.parse(out) as { ms: number });
      } catch {
        // fall through to the error below
      }
      // Node prints the failing source line (for a bundle, all of its minified code) before the
      // error itself: the error is the first line that starts with its name.
      const firstLine = err.split("\n").find((line) => /^[A-Za-z]*Error\b/.test(line)) ?? `exit ${code}`;
      resolve({ error: code === null ? `timed out after ${timeoutMs} ms` : firstLine.trim() });
    });
  });
}

/**
 * Bundles every Lambda handler with the same esbuild settings as the `EtlFunction` construct
 * and reports each bundle's size (and the transform's WASM module). A handler whose entry file
 * does not exist is reported with an error instead of failing the others.
 *
 * @example
 * for (const m of await measureBundles({ measureInit: true })) {
 *   console.log("error" in m ? `${m.app}/${m.handler}: ${m.error}` : `${m.app}/${m.handler}: ${m.bytes} B`);
 * }
 */
export async function measureBundles(
  options: MeasureOptions = {},
): Promise<(BundleMeasurement | BundleFailure)[]> {
  const handlers = options.handlers ?? Object.values(HANDLERS);
  const results: (BundleMeasurement | BundleFailure)[] = [];
  for (const spec of handlers) {
    const base = { app: spec.app, handler: spec.handler, entry: spec.entry };
    if (!existsSync(entryPath(spec))) {
      results.push({ ...base, error: `entry not found: ${spec.entry}` });
      continue;
    }
    const outdir = mkdtempSync(join(tmpdir(), `etl-bundle-${spec.app}-`));
    try {
      const bundle = await bundleHandler(spec, outdir);
      const measurement: BundleMeasurement = { ...base, bytes: statSync(bundle).size };
      const wasm = join(outdir, PARQUET_WASM_FILE);
      if (existsSync(wasm)) measurement.wasmBytes = statSync(wasm).size;
      if (options.measureInit) {
        const timed = await timeImport(
          bundle,
          placeholderEnvironment(spec.app),
          options.initTimeoutMs ?? 30_000,
        );
        if ("ms" in timed) measurement.initMs = Math.round(timed.ms);
        else measurement.initError = timed.error;
      }
      results.push(measurement);
    } catch (error) {
      results.push({
        ...base,
        error: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error),
      });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  return results;
}
