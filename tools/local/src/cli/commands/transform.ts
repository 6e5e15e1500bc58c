import { runIdFromManifestKey } from "@etl/s3-io";
import { applyEnvironment, openLocalEnvironment } from "../../environment";
import { createProgressRenderer } from "../../progress-renderer";
import { type Command, defaultDataDir, err, out } from "../command";
import { parseRunIds } from "../run-ids";
import { ensureLocalResources } from "./ingest";

export const transform: Command = {
  name: "transform",
  summary:
    "transform ingest runs into star-schema Parquet + processed manifest (all pending runs by default)",
  usage: "etl transform [<runId> ...] [--data-dir DIR]",
  options: { "data-dir": { type: "string" } },
  async run({ values, positionals }) {
    const requested = parseRunIds(positionals);
    const local = await openLocalEnvironment((values["data-dir"] as string | undefined) ?? defaultDataDir());
    try {
      await ensureLocalResources(local);
      applyEnvironment(local);
      // The stage's code (Parquet, Arrow) loads when the stage runs, not when `etl` starts.
      const { createTransformDeps, runTransform } = await import("@etl/transform");
      const deps = createTransformDeps(process.env);
      const { store, ingestBucket, processedBucket } = deps.transform;
      let runIds = requested;
      if (runIds.length === 0) {
        // Every ingest run without a processed manifest, oldest first (runs build on each other).
        for await (const object of store.list(ingestBucket, "runs/")) {
          const runId = runIdFromManifestKey(object.key);
          if (runId && (await store.head(processedBucket, object.key)) === undefined) runIds.push(runId);
        }
        runIds = runIds.sort();
        if (runIds.length === 0) out("no ingest run waits to be transformed");
      }
      const progress = createProgressRenderer({ stream: process.stdout, quiet: values.quiet === true });
      for (const runId of runIds) {
        out(`run ${runId}:`);
        const outcome = await runTransform(
          { runId },
          { ...deps.transform, progress: progress.stage("transform") },
        ).finally(() => progress.clear());
        if (outcome.status === "failed") {
          err(`  failed: ${outcome.error}`);
          return 1;
        }
        if (outcome.status === "blocked") {
          err(`  not transformed: ${outcome.error}; \`etl status\` shows the way out`);
          return 1;
        }
        out(
          outcome.status === "skipped"
            ? `  already transformed: s3://${processedBucket}/${outcome.manifestKey}`
            : `  ${outcome.rows} rows, manifest s3://${processedBucket}/${outcome.manifestKey}`,
        );
      }
      return 0;
    } finally {
      await local.close();
    }
  },
};
