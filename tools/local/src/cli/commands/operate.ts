import { quoteIdent } from "@etl/db";
import { createDynamoStateStore } from "@etl/ops/aws";
import { ObjectNotFoundError, runIdFromManifestKey, runManifestKey } from "@etl/s3-io";
import { createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
import {
  RunIdSchema,
  SCHEMA_DRIFT_NAMESPACE,
  SchemaDriftRecordSchema,
  SOURCE_TABLE_NAMES,
} from "@etl/schemas";
import pg from "pg";
import { type LocalEnvironment, openLocalEnvironment } from "../../environment";
import {
  awsTarget,
  createdRecordFor,
  localTarget,
  type OperatorTarget,
  recentItems,
  sendToQueue,
} from "../../operator";
import { openLocalQueues, type StageReport, WAREHOUSE_GROUP } from "../../pipeline";
import { toEventBridgeObjectCreated } from "../../runtime";
import { formatTable } from "../../summary";
import { CliError, type Command, defaultDataDir, integerOption, out, UsageError } from "../command";
import { RUN_ID_EXAMPLE } from "../run-ids";

const targetOptions = { "data-dir": { type: "string" as const }, aws: { type: "boolean" as const } };

async function withTarget<T>(
  values: Record<string, unknown>,
  use: (target: OperatorTarget, dataDir: string, local?: LocalEnvironment) => Promise<T>,
): Promise<T> {
  const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
  if (values.aws === true) return use(awsTarget(), dataDir);
  // Fresh services would hold nothing to read or replay: without running ones, say so.
  const local = await openLocalEnvironment(dataDir, { start: false });
  try {
    return await use(localTarget(local), local.endpoints.dataDir, local);
  } finally {
    await local.close();
  }
}

async function loadedRuns(url: string | undefined): Promise<Map<string, string>> {
  const loaded = new Map<string, string>();
  if (!url) return loaded;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ run_id: string; status: string }>(
      "select run_id, status from etl.load_runs",
    );
    for (const r of rows) loaded.set(r.run_id, r.status);
  } catch {
    // No ledger yet: nothing was loaded.
  } finally {
    await client.end();
  }
  return loaded;
}

export const status: Command = {
  name: "status",
  summary: "recent runs and how far each got, watermarks, queues, recent audit and failures",
  usage:
    "etl status [--limit N] [--json] [--aws] [--data-dir DIR]\n\n" +
    "  --limit N  runs, audit items and failures to show (default 10)\n" +
    "  --json     print the same as one JSON object on stdout and nothing else\n" +
    "  --aws      read AWS (names from the functions' variables) instead of the local services",
  options: { ...targetOptions, limit: { type: "string" }, json: { type: "boolean" } },
  async run({ values }) {
    const limit = integerOption(values.limit, "limit", 1, 10);
    const json = values.json === true;
    return withTarget(values, async (target, dataDir) => {
      const store = createS3ObjectStore(target.s3, {
        localServer: target.kind === "local" && isLocalS3Server(target.env),
      });
      const ingestBucket = target.env.INGEST_BUCKET ?? "";
      const processedBucket = target.env.PROCESSED_BUCKET ?? "";
      const runIds: string[] = [];
      try {
        for await (const o of store.list(ingestBucket, "runs/")) {
          const id = runIdFromManifestKey(o.key);
          if (id) runIds.push(id);
        }
      } catch (error) {
        if (!(error instanceof ObjectNotFoundError) || error.code !== "BUCKET_NOT_FOUND") throw error;
        const message = `nothing has run yet: there is no bucket ${ingestBucket}; run \`etl seed\` and \`etl run\``;
        if (json) out(JSON.stringify({ runs: [], runsInAll: 0, message }));
        else out(message);
        return 0;
      }
      const recent = runIds.sort().reverse().slice(0, limit);
      const loaded = await loadedRuns(target.env.WAREHOUSE_URL);
      const runs: { runId: string; transformed: boolean; loaded: string | null }[] = [];
      for (const runId of recent) {
        const processed = await store.head(processedBucket, runManifestKey(runId));
        runs.push({ runId, transformed: processed !== undefined, loaded: loaded.get(runId) ?? null });
      }
      const state = createDynamoStateStore({
        client: target.dynamoClient,
        table: target.env.STATE_TABLE ?? "",
      });
      const marks = await state.getWatermarks(SOURCE_TABLE_NAMES.map((t) => `watermark#${t}`));
      const watermarks = Object.fromEntries(
        SOURCE_TABLE_NAMES.map((t) => [t, marks[`watermark#${t}`] ?? null]),
      );
      // What ingest saw the source gain: columns it keeps in the raw files but ignores, tables it
      // does not read. A dropped or retyped column is a failed run, listed under failures.
      const schemaDrift = (await state.listRecords(SCHEMA_DRIFT_NAMESPACE)).flatMap((r) => {
        const parsed = SchemaDriftRecordSchema.safeParse(r.data);
        return parsed.success ? [parsed.data] : [];
      });
      const queues =
        target.kind === "local"
          ? Object.values(openLocalQueues(dataDir)).map((queue) => {
              const depth = queue.depth();
              const next = depth.inflight > 0 ? queue.nextVisibleAt() : undefined;
              return {
                name: queue.name,
                ...depth,
                ...(next ? { nextVisibleAt: new Date(next).toISOString() } : {}),
              };
            })
          : [];
      const audit = await recentItems(target, target.env.AUDIT_TABLE ?? "", limit);
      const failures = await recentItems(target, target.env.FAILURE_TABLE ?? "", limit);
      if (json) {
        out(
          JSON.stringify({
            runs,
            runsInAll: runIds.length,
            watermarks,
            schemaDrift,
            queues,
            audit,
            failures,
          }),
        );
        return 0;
      }

      out(`runs (${runIds.length} in all, newest ${recent.length}):`);
      for (const line of formatTable(
        ["run", "transformed", "loaded"],
        runs.map((r) => [r.runId, r.transformed ? "yes" : "no", r.loaded ?? "-"]),
      ))
        out(`  ${line}`);

      out("\nwatermarks (rows with last_updated above them are read by the next run):");
      for (const t of SOURCE_TABLE_NAMES)
        out(`  ${t.padEnd(16)} ${watermarks[t] ?? "(none: next run reads everything)"}`);

      if (schemaDrift.length > 0) {
        out("\nsource schema drift (kept in the raw files, not in the warehouse; docs/schema-change.md):");
        for (const line of formatTable(
          ["change", "table", "column", "type", "first seen", "by run"],
          schemaDrift.map((d) => [
            d.kind === "new-table" ? "new table, not ingested" : "added column, ignored",
            d.table,
            d.column ?? "",
            d.type ?? "",
            d.firstSeenAt,
            d.firstSeenRunId,
          ]),
        ))
          out(`  ${line}`);
      }

      if (queues.length > 0) {
        out("\nqueues (in flight: being handled, or waiting for a retry):");
        for (const q of queues)
          out(
            `  ${q.name.padEnd(16)} pending ${q.pending}, in flight ${q.inflight}` +
              `${q.nextVisibleAt ? ` (next visible ${q.nextVisibleAt})` : ""}, dead letters ${q.dead}`,
          );
      }

      out(`\nrecent audit (${audit.length}):`);
      for (const line of formatTable(
        ["recorded", "stage", "run", "status", "table", "rows", "key"],
        audit.map((a) => [
          String(a.recordedAt ?? ""),
          String(a.stage ?? ""),
          String(a.runId ?? ""),
          String(a.status ?? ""),
          String(a.table ?? ""),
          a.rows === undefined ? "" : String(a.rows),
          String(a.key ?? ""),
        ]),
      ))
        out(`  ${line}`);

      out(`\nrecent failures (${failures.length}):`);
      for (const f of failures)
        out(`  ${String(f.at)} ${String(f.stage)} ${String(f.runId)}: ${String(f.error)}`);
      return 0;
    });
  },
};

/** The role `etl query` takes for its statement when the warehouse has it: a role that cannot write. */
export const QUERY_ROLE = "etl_reader";

/** PostgreSQL's refusal of more than one statement in one prepared statement. */
const MULTIPLE_COMMANDS = /cannot insert multiple commands into a prepared statement/;

function cell(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "number" || typeof v === "string") return v;
  if (Buffer.isBuffer(v)) return `\\x${v.toString("hex")}`;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export const query: Command = {
  name: "query",
  summary: 'run one read-only SQL statement on the warehouse: etl query "select ..."',
  usage:
    'etl query "<sql>" [--json] [--aws] [--data-dir DIR]\n\n' +
    "  One statement only, sent as a prepared statement (PostgreSQL refuses several), inside\n" +
    "  `begin transaction read only` ... `rollback`, as the role etl_reader when it exists\n" +
    "  (ETL_QUERY_ROLE names another; create it with SELECT grants only, see the README).\n" +
    "  --json  print {columns, rows, rowCount} on stdout and nothing else",
  options: { ...targetOptions, json: { type: "boolean" } },
  async run({ values, positionals }) {
    const sql = positionals.join(" ").trim();
    if (!sql)
      throw new UsageError(
        'give the SQL to run, e.g. etl query "select count(*) from warehouse.fact_sales_order"',
      );
    return withTarget(values, async (target) => {
      const url = target.env.WAREHOUSE_URL;
      if (!url) throw new UsageError("WAREHOUSE_URL is not set: it names the warehouse to query");
      const client = new pg.Client({ connectionString: url });
      client.on("error", () => undefined);
      await client.connect();
      try {
        await client.query("begin transaction read only");
        const role = process.env.ETL_QUERY_ROLE ?? QUERY_ROLE;
        const roles = await client.query("select 1 from pg_roles where rolname = $1", [role]);
        if (roles.rowCount) await client.query(`set local role ${quoteIdent(role)}`);
        let result: pg.QueryArrayResult<unknown[]>;
        try {
          // The extended protocol: PostgreSQL parses the text as one statement or refuses it,
          // so `commit; create table ...` never reaches the executor (no naive `;` split).
          // pg 8 sends a query with `queryMode: "extended"` as Parse/Bind/Execute; its types lack it.
          const statement: pg.QueryArrayConfig & { queryMode: "extended" } = {
            text: sql,
            rowMode: "array",
            queryMode: "extended",
          };
          result = await client.query(statement);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (MULTIPLE_COMMANDS.test(message))
            throw new UsageError(
              "runs one statement at a time; nothing was run (remove the `;`-separated others)",
            );
          throw new CliError(`the warehouse refused the statement: ${message}`);
        } finally {
          await client.query("rollback").catch(() => undefined);
        }
        if (!Array.isArray(result.fields) || !Array.isArray(result.rows))
          throw new CliError("the statement returned no result set: etl query runs SELECT-like statements");
        const columns = result.fields.map((f) => f.name);
        const rows = result.rows.map((r) => r.map(cell));
        if (values.json === true) {
          out(JSON.stringify({ columns, rows, rowCount: rows.length }));
          return 0;
        }
        for (const line of formatTable(columns, rows)) out(line);
        out(`(${rows.length} rows)`);
        return 0;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
  },
};

type ReplayKind = "ingest" | "processed" | "landing";

/** What a replay names: the object, which bucket's notification it is, and where that goes. */
interface ReplayObject {
  kind: ReplayKind;
  bucket: string;
  key: string;
}

const REPLAYED: Record<ReplayKind, { what: string; queue: string; queueUrl: string; stages: StageName[] }> = {
  ingest: {
    what: "ingest manifest",
    queue: "etl-transform",
    queueUrl: "TRANSFORM_QUEUE_URL",
    stages: ["transform", "load"],
  },
  processed: {
    what: "processed manifest",
    queue: "etl-load.fifo",
    queueUrl: "LOAD_QUEUE_URL",
    stages: ["load"],
  },
  landing: { what: "landed file", queue: "etl-files", queueUrl: "FILES_QUEUE_URL", stages: ["files"] },
};

type StageName = "transform" | "load" | "files";

/** A run id or an s3:// URL, checked against the buckets whose notifications the pipeline routes. */
function replayObject(what: string, env: Record<string, string | undefined>): ReplayObject {
  const ingest = env.INGEST_BUCKET ?? "";
  if (!what.startsWith("s3://")) {
    if (!RunIdSchema.safeParse(what).success)
      throw new UsageError(
        `${JSON.stringify(what)} is neither a run id (like ${RUN_ID_EXAMPLE}) nor s3://bucket/key; \`etl status\` lists the runs`,
      );
    return { kind: "ingest", bucket: ingest, key: runManifestKey(what) };
  }
  const url = /^s3:\/\/([^/]+)\/(.+)$/.exec(what);
  const bucket = url?.[1] ?? "";
  const key = url?.[2] ?? "";
  if (!bucket || !key) throw new UsageError(`${what} is not s3://bucket/key`);
  const kinds: [ReplayKind, string | undefined][] = [
    ["ingest", ingest],
    ["processed", env.PROCESSED_BUCKET],
    ["landing", env.LANDING_BUCKET],
  ];
  const kind = kinds.find(([, b]) => b === bucket)?.[0];
  const watched = kinds
    .filter(([, b]) => b)
    .map(([k, b]) => `${b} (${k})`)
    .join(", ");
  if (!kind) throw new UsageError(`${bucket} is not a bucket the pipeline watches: ${watched}`);
  if (kind === "landing" ? !key.startsWith("landing/") : runIdFromManifestKey(key) === undefined)
    throw new UsageError(
      kind === "landing"
        ? `only keys under landing/ in ${bucket} are loaded by the rules, not ${key}`
        : `only run manifests (runs/<runId>.json) in ${bucket} start a stage, not ${key}`,
    );
  return { kind, bucket, key };
}

export const replay: Command = {
  name: "replay",
  summary: "deliver a run or an object again: etl replay <runId | s3://bucket/key | --dead-letters>",
  usage:
    "etl replay <runId | s3://bucket/key> [--aws] [--data-dir DIR]\n" +
    "etl replay --dead-letters [--data-dir DIR]\n\n" +
    "  runId            the ingest manifest's notification goes to the transform again (then load)\n" +
    "  s3://bucket/key  that object's ObjectCreated notification goes where the bucket's would: an\n" +
    "                   ingest manifest to the transform, a processed manifest to the load, a file\n" +
    "                   under landing/ to the files queue (on AWS: TRANSFORM_QUEUE_URL, LOAD_QUEUE_URL,\n" +
    "                   FILES_QUEUE_URL)\n" +
    "  --dead-letters   move every dead-lettered message back to its queue (local)\n" +
    "  Every stage is idempotent: what is already done is skipped.",
  options: { ...targetOptions, "dead-letters": { type: "boolean" } },
  async run({ values, positionals }) {
    const what = positionals[0];
    if (values["dead-letters"] !== true && !what)
      throw new UsageError("give a run id, an s3://bucket/key or --dead-letters");
    return withTarget(values, async (target, dataDir, opened) => {
      if (values["dead-letters"] === true) {
        let moved = 0;
        for (const queue of Object.values(openLocalQueues(dataDir))) moved += queue.redriveDeadLetters();
        out(`${moved} dead-lettered message(s) moved back to their queues`);
        if (moved === 0) return 0;
      }
      // Every queue, the landed files' too: a redriven dead letter may sit in any of them.
      let stages: StageName[] = ["transform", "load", "files"];
      if (what) {
        const object = replayObject(what, target.env);
        const route = REPLAYED[object.kind];
        const store = createS3ObjectStore(target.s3, {
          localServer: target.kind === "local" && isLocalS3Server(target.env),
        });
        const found = await store.head(object.bucket, object.key).catch((error: unknown) => {
          if (error instanceof ObjectNotFoundError) return undefined;
          throw error;
        });
        if (!found)
          throw new CliError(
            `no ${route.what} s3://${object.bucket}/${object.key}: \`etl status\` lists the runs there are`,
          );
        const record = await createdRecordFor(target, object.bucket, object.key);
        const toLoad = object.kind === "processed";
        // The processed bucket notifies through EventBridge; the others send S3's own records.
        const body = JSON.stringify(toLoad ? toEventBridgeObjectCreated(record) : { Records: [record] });
        if (target.kind === "aws") {
          const url = target.env[route.queueUrl];
          if (!url) throw new UsageError(`set ${route.queueUrl} to replay a ${route.what} on AWS`);
          await sendToQueue(target, url, body, toLoad ? WAREHOUSE_GROUP : undefined);
          out(`sent s3://${object.bucket}/${object.key} to ${url}`);
          return 0;
        }
        const queues = openLocalQueues(dataDir);
        const queue =
          object.kind === "processed"
            ? queues.load
            : object.kind === "landing"
              ? queues.files
              : queues.transform;
        queue.send(body, toLoad ? { groupId: WAREHOUSE_GROUP, dedupId: `replay-${Date.now()}` } : {});
        out(`queued s3://${object.bucket}/${object.key} on ${route.queue}`);
        stages = route.stages;
      }
      const local = opened ?? (await openLocalEnvironment(dataDir));
      const reports: StageReport[] = [];
      try {
        const { preparePipeline } = await import("./pipeline");
        const pipeline = await preparePipeline(local);
        for (const stage of stages) {
          const report = await pipeline[stage]();
          reports.push(report);
          const d = report.delivery;
          out(
            `  ${report.stage.padEnd(10)} ${d?.succeeded ?? 0} delivered, ${d?.retried ?? 0} retried, ${d?.deadLettered ?? 0} dead-lettered`,
          );
        }
      } finally {
        if (!opened) await local.close();
      }
      const { reportProblems } = await import("./pipeline");
      return reportProblems(reports, out).length > 0 ? 1 : 0;
    });
  },
};
