import type { CloudEndpoints } from "@etl/local-cloud";
import type { RunId } from "@etl/schemas";
import { ensureLocalResources } from "../../cli/commands/ingest";
import { applyEnvironment, type LOCAL_NAMES, openLocalEnvironment } from "../../environment";
import { caseArgs, reportCase } from "../measure";

// One stage of the first load in a process of its own, so its peak RSS is its own: the stage's
// use case with the deps its handler builds at cold start, on the bench's local cloud.

interface Args {
  stage: "ingest" | "transform" | "load";
  endpoints: CloudEndpoints;
  /** True when the S3 endpoint is the local s3rver (the S3 adapter works around its quirks). */
  localS3: boolean;
  /** The bucket and table names of this first load, and the ingest's READ_CONNECTIONS. */
  names: Record<keyof typeof LOCAL_NAMES | "READ_CONNECTIONS", string>;
  /** The warehouse database of this first load (migrated by the bench). */
  warehouseUrl: string;
  /** The ingest's run id, for the transform and the load. */
  runId?: RunId;
}

const args = caseArgs<Args>();
const e = args.endpoints;
Object.assign(process.env, {
  DATABASE_URL: e.databaseUrl,
  WAREHOUSE_URL: args.warehouseUrl,
  S3_ENDPOINT: e.s3Endpoint,
  DYNAMODB_ENDPOINT: e.dynamodbEndpoint,
  AWS_REGION: e.region,
  ...args.names,
});
if (args.localS3) process.env.ETL_LOCAL_S3 = "s3rver";
else delete process.env.ETL_LOCAL_S3;
const local = await openLocalEnvironment(e.dataDir);
local.env.WAREHOUSE_URL = args.warehouseUrl;
if (args.stage === "ingest") await ensureLocalResources(local);
applyEnvironment(local);

const runId = (): RunId => {
  if (!args.runId) throw new Error(`the ${args.stage} of the first load needs the ingest's run id`);
  return args.runId;
};

await reportCase(async () => {
  // The stage's code loads inside the timed work, as a Lambda's cold start would.
  if (args.stage === "ingest") {
    const { createIngestDeps, runIngest } = await import("@etl/ingest");
    const deps = createIngestDeps(process.env);
    const result = await runIngest(deps.settings, deps.ingest);
    if (!result.manifestKey) throw new Error("the first load's ingest found no rows");
    return {
      rows: result.rows,
      detail: {
        runId: result.runId,
        tables: Object.fromEntries(result.tables.map((t) => [t.table, t.rows])),
      },
    };
  }
  if (args.stage === "transform") {
    const { createTransformDeps, runTransform } = await import("@etl/transform");
    const deps = createTransformDeps(process.env);
    const outcome = await runTransform({ runId: runId() }, deps.transform);
    if (outcome.status !== "done")
      throw new Error(`the first load's transform ended ${outcome.status}: ${JSON.stringify(outcome)}`);
    return {
      rows: outcome.rows,
      detail: { tables: Object.fromEntries(outcome.tables.map((t) => [t.table, t.rows])) },
    };
  }
  const { createLoadDeps, runLoad } = await import("@etl/load");
  const deps = createLoadDeps(process.env);
  const outcome = await runLoad({ runId: runId() }, deps.load);
  if (outcome.status !== "loaded")
    throw new Error(`the first load's load ended ${outcome.status}: ${outcome.message}`);
  return {
    rows: outcome.rows,
    detail: { tables: Object.fromEntries((outcome.tables ?? []).map((t) => [t.table, t.rows])) },
  };
});
