import { localDynamoClient } from "@etl/local-cloud";
import { ensureTables } from "@etl/ops/aws";
import {
  applyEnvironment,
  ensureLocalBuckets,
  type LocalEnvironment,
  openLocalEnvironment,
} from "../../environment";
import { createProgressRenderer } from "../../progress-renderer";
import { type Command, defaultDataDir, out } from "../command";

/** Creates the local buckets and DynamoDB tables the stages use, when missing. */
export async function ensureLocalResources(local: LocalEnvironment): Promise<void> {
  await ensureLocalBuckets(local);
  const dynamo = localDynamoClient(local.endpoints);
  await ensureTables(dynamo, {
    audit: local.env.AUDIT_TABLE ?? "",
    failure: local.env.FAILURE_TABLE ?? "",
    state: local.env.STATE_TABLE ?? "",
  });
  dynamo.destroy();
}

export const ingest: Command = {
  name: "ingest",
  summary: "run one ingest: rows changed since the watermarks -> raw JSON Lines + manifest",
  usage: "etl ingest [--data-dir DIR]",
  options: { "data-dir": { type: "string" } },
  async run({ values }) {
    const local = await openLocalEnvironment((values["data-dir"] as string | undefined) ?? defaultDataDir());
    try {
      await ensureLocalResources(local);
      applyEnvironment(local);
      // The stage's code loads when the stage runs, not when any `etl` command starts.
      const { createIngestDeps, runIngest } = await import("@etl/ingest");
      const deps = createIngestDeps(process.env);
      const progress = createProgressRenderer({ stream: process.stdout, quiet: values.quiet === true });
      const result = await runIngest(deps.settings, {
        ...deps.ingest,
        progress: progress.stage("ingest"),
      }).finally(() => progress.clear());
      out(
        result.manifestKey
          ? `run ${result.runId}: ${result.rows} rows, manifest s3://${deps.settings.bucket}/${result.manifestKey}`
          : `run ${result.runId}: nothing changed, no data written`,
      );
      return 0;
    } finally {
      await local.close();
    }
  },
};
