import { join } from "node:path";
import { quoteIdent } from "@etl/db";
import { createDynamoStateStore } from "@etl/ops/aws";
import { runIdFromManifestKey, runManifestKey } from "@etl/s3-io";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import { SOURCE_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { openLocalEnvironment } from "../../environment";
import {
  awsTarget,
  createdRecordFor,
  localTarget,
  type OperatorTarget,
  recentItems,
  sendToQueue,
} from "../../operator";
import { WAREHOUSE_GROUP } from "../../pipeline";
import { FileQueue } from "../../runtime";
import { formatTable } from "../../summary";
import { CliError, type Command, defaultDataDir, out, UsageError } from "../command";
import { preparePipeline } from "./pipeline";

const targetOptions = { "data-dir": { type: "string" as const }, aws: { type: "boolean" as const } };

async function withTarget<T>(
  values: Record<string, unknown>,
  use: (target: OperatorTarget, dataDir: string) => Promise<T>,
): Promise<T> {
  const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
  if (values.aws === true) return use(awsTarget(), dataDir);
  const local = await openLocalEnvironment(dataDir);
  try {
    return await use(localTarget(local), local.endpoints.dataDir);
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
    "etl status [--limit N] [--aws] [--data-dir DIR]\n\n  --aws  read AWS (names from the functions' variables) instead of the local services",
  options: { ...targetOptions, limit: { type: "string" } },
  async run({ values }) {
    const limit = Number(values.limit ?? 10);
    return withTarget(values, async (target, dataDir) => {
      const store = createS3ObjectStore(target.s3, { localServer: target.kind === "local" });
      const ingestBucket = target.env.INGEST_BUCKET ?? "";
      const processedBucket = target.env.PROCESSED_BUCKET ?? "";
      const runIds: string[] = [];
      for await (const o of store.list(ingestBucket, "runs/")) {
        const id = runIdFromManifestKey(o.key);
        if (id) runIds.push(id);
      }
      const recent = runIds.sort().reverse().slice(0, limit);
      const loaded = await loadedRuns(target.env.WAREHOUSE_URL);
      const rows: (string | number)[][] = [];
      for (const runId of recent) {
        const processed = await store.head(processedBucket, runManifestKey(runId));
        rows.push([runId, processed ? "yes" : "no", loaded.get(runId) ?? "-"]);
      }
      out(`runs (${runIds.length} in all, newest ${recent.length}):`);
      for (const line of formatTable(["run", "transformed", "loaded"], rows)) out(`  ${line}`);

      const state = createDynamoStateStore({
        client: target.dynamoClient,
        table: target.env.STATE_TABLE ?? "",
      });
      const marks = await state.getWatermarks(SOURCE_TABLE_NAMES.map((t) => `watermark#${t}`));
      out("\nwatermarks (rows with last_updated above them are read by the next run):");
      for (const t of SOURCE_TABLE_NAMES)
        out(`  ${t.padEnd(16)} ${marks[`watermark#${t}`] ?? "(none: next run reads everything)"}`);

      if (target.kind === "local") {
        out("\nqueues:");
        for (const [name, fifo] of [
          ["etl-transform", false],
          ["etl-load.fifo", true],
          ["etl-files", false],
        ] as const) {
          const depth = new FileQueue(join(dataDir, "queues", name), name, { fifo }).depth();
          out(
            `  ${name.padEnd(16)} pending ${depth.pending}, in flight ${depth.inflight}, dead letters ${depth.dead}`,
          );
        }
      }

      const audit = await recentItems(target, target.env.AUDIT_TABLE ?? "", limit);
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

      const failures = await recentItems(target, target.env.FAILURE_TABLE ?? "", limit);
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

export const replay: Command = {
  name: "replay",
  summary: "deliver a run or an object again: etl replay <runId | s3://bucket/key | --dead-letters>",
  usage:
    "etl replay <runId | s3://bucket/key> [--aws] [--data-dir DIR]\n" +
    "etl replay --dead-letters [--data-dir DIR]\n\n" +
    "  runId            the ingest manifest's notification goes to the transform again (then load)\n" +
    "  s3://bucket/key  that object's ObjectCreated notification is routed as the bucket's notification would\n" +
    "  --dead-letters   move every dead-lettered message back to its queue (local)\n" +
    "  Every stage is idempotent: what is already done is skipped.",
  options: { ...targetOptions, "dead-letters": { type: "boolean" } },
  async run({ values, positionals }) {
    const what = positionals[0];
    return withTarget(values, async (target, dataDir) => {
      if (values["dead-letters"] === true) {
        let moved = 0;
        for (const [name, fifo] of [
          ["etl-transform", false],
          ["etl-load.fifo", true],
          ["etl-files", false],
        ] as const) {
          const queue = new FileQueue(join(dataDir, "queues", name), name, { fifo });
          moved += queue.redriveDeadLetters();
        }
        out(`${moved} dead-lettered message(s) moved back to their queues`);
        if (moved === 0) return 0;
      } else if (!what) {
        throw new Error("etl replay needs a run id, an s3://bucket/key or --dead-letters");
      }
      let bucket = target.env.INGEST_BUCKET ?? "";
      let key = what ? runManifestKey(what) : "";
      const s3Url = what ? /^s3:\/\/([^/]+)\/(.+)$/.exec(what) : null;
      if (s3Url?.[1] && s3Url[2]) {
        bucket = s3Url[1];
        key = s3Url[2];
      }
      const toLoad = bucket === target.env.PROCESSED_BUCKET;
      if (what) {
        const record = await createdRecordFor(target, bucket, key);
        const body = JSON.stringify({ Records: [record] });
        if (target.kind === "aws") {
          const url = toLoad ? target.env.LOAD_QUEUE_URL : target.env.TRANSFORM_QUEUE_URL;
          if (!url)
            throw new Error(`set ${toLoad ? "LOAD_QUEUE_URL" : "TRANSFORM_QUEUE_URL"} to replay on AWS`);
          await sendToQueue(target, url, body, toLoad ? WAREHOUSE_GROUP : undefined);
          out(`sent s3://${bucket}/${key} to ${url}`);
          return 0;
        }
        const name = toLoad ? "etl-load.fifo" : "etl-transform";
        const queue = new FileQueue(join(dataDir, "queues", name), name, { fifo: toLoad });
        queue.send(body, toLoad ? { groupId: WAREHOUSE_GROUP, dedupId: `replay-${Date.now()}` } : {});
        out(`queued s3://${bucket}/${key} for ${toLoad ? "load" : "transform"}`);
      }
      const local = await openLocalEnvironment(dataDir);
      try {
        const pipeline = await preparePipeline(local);
        for (const stage of [pipeline.transform, pipeline.load]) {
          const report = await stage();
          const d = report.delivery;
          out(
            `  ${report.stage.padEnd(10)} ${d?.succeeded ?? 0} delivered, ${d?.retried ?? 0} retried, ${d?.deadLettered ?? 0} dead-lettered`,
          );
        }
      } finally {
        await local.close();
      }
      return 0;
    });
  },
};
