import { runIdFromManifestKey } from "@etl/s3-io";
import { applyEnvironment, openLocalEnvironment } from "../../environment";
import { createProgressRenderer } from "../../progress-renderer";
import { type Command, defaultDataDir, err, out } from "../command";
import { parseRunIds } from "../run-ids";
import { ensureLocalResources } from "./ingest";

export const load: Command = {
  name: "load",
  summary: "load processed runs into the local warehouse, exactly once (every processed run by default)",
  usage:
    "etl load [<runId> ...] [--data-dir DIR]\n" +
    "  buckets and tables: PROCESSED_BUCKET (etl-processed), AUDIT_TABLE (etl-audit), FAILURE_TABLE (etl-failures),\n" +
    "  STATE_TABLE (etl-state); alerts go to ALERT_FILE (<data dir>/alerts.jsonl)",
  options: { "data-dir": { type: "string" } },
  async run({ values, positionals }) {
    const requested = parseRunIds(positionals);
    const local = await openLocalEnvironment((values["data-dir"] as string | undefined) ?? defaultDataDir());
    try {
      await ensureLocalResources(local);
      applyEnvironment(local);
      // The stage's code loads when the stage runs, not when any `etl` command starts.
      const { createLoadDeps, runLoad } = await import("@etl/load");
      const app = createLoadDeps(process.env);
      const { store, bucket } = app.load;
      let runIds = requested;
      if (runIds.length === 0) {
        // Every processed run, oldest first: the ledger skips those already loaded.
        for await (const object of store.list(bucket, "runs/")) {
          const runId = runIdFromManifestKey(object.key);
          if (runId) runIds.push(runId);
        }
        runIds = runIds.sort();
        if (runIds.length === 0) out(`no processed run in s3://${bucket}/runs/`);
      }
      const progress = createProgressRenderer({ stream: process.stdout, quiet: values.quiet === true });
      for (const runId of runIds) {
        out(`run ${runId}:`);
        const outcome = await runLoad({ runId }, { ...app.load, progress: progress.stage("load") }).finally(
          () => progress.clear(),
        );
        if (outcome.status === "failed") {
          err(
            `  ${outcome.message} (recorded in ${app.config.FAILURE_TABLE}, alert in ${app.config.ALERT_FILE})`,
          );
          return 1;
        }
        out(`  ${outcome.message} in ${(outcome.durationMs / 1000).toFixed(1)} s`);
      }
      return 0;
    } finally {
      await local.close();
    }
  },
};
