import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createDynamoStateStore } from "@etl/ops/aws";
import { ObjectNotFoundError, runIdFromManifestKey, runManifestKey } from "@etl/s3-io";
import { createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
import { ProcessedRunManifestSchema, reconcileRun, SOURCE_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { blockageLines, blockageStatus } from "../../blocked-runs";
import { type OperatorTarget, recentItems, schemaDriftRecords } from "../../operator";
import { openLocalQueues } from "../../pipeline";
import { formatTable } from "../../summary";
import { type Command, integerOption, out } from "../command";
import { targetOptions, withTarget } from "./operate";

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

/**
 * Rows the load loaded per star table for a run it finished, from its audit (each file's
 * FINISHED item); undefined while the run is not loaded.
 */
async function loadedRows(target: OperatorTarget, runId: string): Promise<Map<string, number> | undefined> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await target.dynamo.send(
      new QueryCommand({
        TableName: target.env.AUDIT_TABLE ?? "",
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `load#${runId}` },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  if (!items.some((i) => i.key === "-" && i.status === "FINISHED")) return undefined;
  // A file is loaded once; a later attempt that finds it loaded audits it SKIPPED, with no rows.
  const byKey = new Map<string, { table: string; rows: number }>();
  for (const i of items) {
    if (i.key === "-" || i.status !== "FINISHED" || typeof i.table !== "string") continue;
    byKey.set(String(i.key), { table: i.table, rows: Number(i.rows ?? 0) });
  }
  const loaded = new Map<string, number>();
  for (const { table, rows } of byKey.values()) loaded.set(table, (loaded.get(table) ?? 0) + rows);
  return loaded;
}

/** A transformed run's held rows and what does not add up in its counts. */
async function reconciliationOf(
  target: OperatorTarget,
  manifestBody: Uint8Array,
): Promise<{ quarantined: number; countProblems: string[] }> {
  const parsed = ProcessedRunManifestSchema.safeParse(JSON.parse(Buffer.from(manifestBody).toString("utf8")));
  if (!parsed.success) return { quarantined: 0, countProblems: ["the processed manifest does not parse"] };
  const manifest = parsed.data;
  const loaded = await loadedRows(target, manifest.runId);
  return {
    quarantined: manifest.quarantine?.rows ?? 0,
    countProblems: reconcileRun({ counts: manifest.counts, files: manifest.files, loaded }),
  };
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
      const runs: {
        runId: string;
        transformed: boolean;
        loaded: string | null;
        quarantined: number;
        countProblems: string[];
      }[] = [];
      for (const runId of recent) {
        const processed = await store.head(processedBucket, runManifestKey(runId));
        const reconciliation =
          processed === undefined
            ? { quarantined: 0, countProblems: [] }
            : await reconciliationOf(target, await store.get(processedBucket, runManifestKey(runId)));
        runs.push({
          runId,
          transformed: processed !== undefined,
          loaded: loaded.get(runId) ?? null,
          ...reconciliation,
        });
      }
      const state = createDynamoStateStore({
        client: target.dynamoClient,
        table: target.env.STATE_TABLE ?? "",
      });
      const marks = await state.getWatermarks(SOURCE_TABLE_NAMES.map((t) => `watermark#${t}`));
      const watermarks = Object.fromEntries(
        SOURCE_TABLE_NAMES.map((t) => [t, marks[`watermark#${t}`] ?? null]),
      );
      const schemaDrift = await schemaDriftRecords(target);
      // A run that failed for good blocks the later runs of its stage: said first, with the way out.
      const blockages = await blockageStatus(state);
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
            blockages,
            queues,
            audit,
            failures,
          }),
        );
        return 0;
      }

      const blocked = blockageLines(blockages);
      if (blocked.length > 0) {
        for (const line of blocked) out(line);
        out("");
      }
      out(`runs (${runIds.length} in all, newest ${recent.length}):`);
      for (const line of formatTable(
        ["run", "transformed", "loaded", "quarantined", "counts"],
        runs.map((r) => [
          r.runId,
          r.transformed ? "yes" : "no",
          r.loaded ?? "-",
          r.quarantined > 0 ? String(r.quarantined) : "-",
          !r.transformed ? "-" : r.countProblems.length > 0 ? "FAILED: do not add up" : "add up",
        ]),
      ))
        out(`  ${line}`);
      const mismatched = runs.filter((r) => r.countProblems.length > 0);
      if (mismatched.length > 0) {
        out("\nruns whose counts do not add up (failures; docs/quarantine.md):");
        for (const r of mismatched) out(`  ${r.runId}: ${r.countProblems.join("; ")}`);
      }
      if (runs.some((r) => r.quarantined > 0))
        out("\nrows held in quarantine: `etl quarantine list`, `show <runId>`, `retry <runId>`");

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
