import { createDynamoStateStore } from "@etl/ops/aws";
import { runIdFromManifestKey, runManifestKey } from "@etl/s3-io";
import { createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
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
import { openLocalQueues, type StageReport, WAREHOUSE_GROUP } from "../../pipeline";
import { formatTable } from "../../summary";
import { type Command, defaultDataDir, out } from "../command";
import { preparePipeline, reportProblems } from "./pipeline";

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
      const store = createS3ObjectStore(target.s3, {
        localServer: target.kind === "local" && isLocalS3Server(target.env),
      });
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
        out("\nqueues (in flight: being handled, or waiting for a retry):");
        for (const queue of Object.values(openLocalQueues(dataDir))) {
          const depth = queue.depth();
          const next = depth.inflight > 0 ? queue.nextVisibleAt() : undefined;
          out(
            `  ${queue.name.padEnd(16)} pending ${depth.pending}, in flight ${depth.inflight}` +
              `${next ? ` (next visible ${new Date(next).toISOString()})` : ""}, dead letters ${depth.dead}`,
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

export const query: Command = {
  name: "query",
  summary: 'run a read-only SQL query on the warehouse: etl query "select ..."',
  usage: 'etl query "<sql>" [--aws] [--data-dir DIR]\n\n  The query runs in a READ ONLY transaction.',
  options: targetOptions,
  async run({ values, positionals }) {
    const sql = positionals.join(" ").trim();
    if (!sql)
      throw new Error(
        'etl query needs the SQL to run, e.g. etl query "select count(*) from warehouse.fact_sales_order"',
      );
    return withTarget(values, async (target) => {
      const url = target.env.WAREHOUSE_URL;
      if (!url) throw new Error("WAREHOUSE_URL is not set");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query("begin read only");
        const result = await client.query({ text: sql, rowMode: "array" });
        await client.query("rollback");
        const rows = (result.rows as unknown[][]).map((r) =>
          r.map((v) => (v instanceof Date ? v.toISOString() : (v as string))),
        );
        for (const line of formatTable(
          result.fields.map((f) => f.name),
          rows,
        ))
          out(line);
        out(`(${result.rowCount ?? rows.length} rows)`);
        return 0;
      } finally {
        await client.end();
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
        for (const queue of Object.values(openLocalQueues(dataDir))) moved += queue.redriveDeadLetters();
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
        const queues = openLocalQueues(dataDir);
        const queue = toLoad ? queues.load : queues.transform;
        queue.send(body, toLoad ? { groupId: WAREHOUSE_GROUP, dedupId: `replay-${Date.now()}` } : {});
        out(`queued s3://${bucket}/${key} for ${toLoad ? "load" : "transform"}`);
      }
      const local = await openLocalEnvironment(dataDir);
      try {
        const pipeline = await preparePipeline(local);
        const reports: StageReport[] = [];
        // Every queue, the landed files' too: a redriven dead letter may sit in any of them.
        for (const stage of [pipeline.transform, pipeline.load, pipeline.files]) {
          const report = await stage();
          reports.push(report);
          const d = report.delivery;
          out(
            `  ${report.stage.padEnd(10)} ${d?.succeeded ?? 0} delivered, ${d?.retried ?? 0} retried, ${d?.deadLettered ?? 0} dead-lettered`,
          );
        }
        return reportProblems(reports, out).length > 0 ? 1 : 0;
      } finally {
        await local.close();
      }
    });
  },
};
