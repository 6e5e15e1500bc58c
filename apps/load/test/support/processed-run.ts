import { createHash } from "node:crypto";
import { type ObjectStore, runManifestKey, runSequence, starDataKey } from "@etl/s3-io";
import { starParquetColumns, writeParquet } from "@etl/s3-io/parquet";
import {
  type ProcessedRunManifest,
  ProcessedRunManifestSchema,
  type RunId,
  SOURCE_UPDATED_AT_COLUMN,
  STAR_TABLE_NAMES,
  type StarTable,
} from "@etl/schemas";
import { makeStarRows, type StarRows } from "@etl/schemas/testing";

export type { StarRows };

/** The star rows a transform makes of a small totesys (shared with the other load tests). */
export const starRowsOf = makeStarRows;

/** A star table's rows as the transform writes them (columns typed for Redshift, NOT NULL kept). */
export function starParquet(table: StarTable, rows: readonly object[], legacy = false): Uint8Array {
  const columns = starParquetColumns(table);
  // As transforms wrote dimensions before `source_updated_at` was added: without that last column.
  return writeParquet(legacy ? columns.filter((c) => c.name !== SOURCE_UPDATED_AT_COLUMN) : columns, rows);
}

export interface PutRunOptions {
  /** Split a table into this many parts (files). */
  parts?: Partial<Record<StarTable, number>>;
  /** Replace a file's bytes after the manifest is made (a corrupted or replaced object). */
  tamper?: (table: StarTable, bytes: Uint8Array) => Uint8Array;
  /** The run before this one (`null` for the first run); omitted: a manifest of older runs. */
  previousRunId?: RunId | null;
  /** Write every table's files as before `source_updated_at` existed (without the column). */
  withoutSourceUpdatedAt?: boolean;
  /** Rows deleted at the source, as the manifest declares them. */
  deletions?: ProcessedRunManifest["deletions"];
  /**
   * The run held rows back: a quarantine object and per-table counts, as the transform lists them
   * (`true`: one sales order; a table name: one row of that source table).
   */
  held?: boolean | "sales_order" | "counterparty" | "staff";
}

/** The attempt token of the runs these tests write (the transform draws a random one per attempt). */
const ATTEMPT = "0a1b2c3d";

/** Writes a processed run to `bucket` as the transform does: star files, then the manifest. */
export async function putProcessedRun(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
  rows: StarRows,
  options: PutRunOptions = {},
): Promise<ProcessedRunManifest> {
  const files: ProcessedRunManifest["files"] = [];
  for (const table of STAR_TABLE_NAMES) {
    const tableRows = rows[table];
    if (!tableRows) continue;
    const parts = options.parts?.[table] ?? 1;
    const size = Math.ceil(tableRows.length / parts);
    for (let part = 0; part < parts; part++) {
      const slice = tableRows.slice(part * size, (part + 1) * size);
      const bytes = starParquet(table, slice, options.withoutSourceUpdatedAt);
      const key = starDataKey(table, runId, ATTEMPT, part + 1);
      await store.put(bucket, key, options.tamper ? options.tamper(table, bytes) : bytes);
      files.push({
        table,
        key,
        rows: slice.length,
        bytes: bytes.byteLength,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      });
    }
  }
  const manifest = ProcessedRunManifestSchema.parse({
    schemaVersion: 1,
    kind: "processed",
    runId,
    sequence: runSequence(runId),
    ...(options.previousRunId !== undefined ? { previousRunId: options.previousRunId } : {}),
    createdAt: "2026-11-23T14:16:00.000Z",
    source: { bucket: "etl-ingest", key: runManifestKey(runId) },
    files,
    state: {},
    ...(options.deletions ? { deletions: options.deletions } : {}),
    ...(options.held
      ? await heldRows(store, bucket, runId, options.held === true ? "sales_order" : options.held, files)
      : {}),
  });
  await store.put(bucket, runManifestKey(runId), JSON.stringify(manifest), {
    contentType: "application/json",
  });
  return manifest;
}

/** A quarantine object of one held row of `table`, and counts that add up with it. */
async function heldRows(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
  table: "sales_order" | "counterparty" | "staff",
  files: ProcessedRunManifest["files"],
) {
  const star = { sales_order: "fact_sales_order", counterparty: "dim_counterparty", staff: "dim_staff" }[
    table
  ];
  const transformed = files.filter((f) => f.table === star).reduce((n, f) => n + f.rows, 0);
  const body = `${JSON.stringify({
    schemaVersion: 1,
    runId,
    table,
    key: `raw/${table}/${runId}-0001.jsonl.gz`,
    lineNumber: 1,
    line: JSON.stringify({ [`${table}_id`]: 9, units_sold: "many" }),
    reason: "expected number",
    code: "BAD_RAW_ROW",
  })}\n`;
  const key = `quarantine/transform/${runId}/rows-${ATTEMPT}.jsonl`;
  await store.put(bucket, key, body);
  const sha256 = createHash("sha256").update(body).digest("hex");
  return {
    quarantine: { key, rows: 1, bytes: Buffer.byteLength(body), sha256 },
    counts: [{ table, read: transformed + 1, transformed, quarantined: 1, deleted: 0 }],
  };
}

/** An S3 event notification of a created object, as S3 puts it in an SQS message (key encoded). */
export function s3Notification(bucket: string, key: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "eu-west-2",
        eventTime: "2026-11-23T14:16:00.000Z",
        eventName: "ObjectCreated:Put",
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "manifest",
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/"), size: 100 },
        },
      },
    ],
  });
}

/** The EventBridge "Object Created" event of S3 (how manifests reach the FIFO queue). */
export function eventBridgeObjectCreated(bucket: string, key: string): string {
  return JSON.stringify({
    version: "0",
    id: "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "123456789012",
    time: "2026-11-23T14:16:00Z",
    region: "eu-west-2",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key, size: 100, etag: "b1946ac92492d2347c6235b4d2611184", sequencer: "00617F08299329D189" },
      "request-id": "N4N7GDK58NMKJ12R",
      requester: "123456789012",
      reason: "PutObject",
    },
  });
}

/** The SQS event Lambda builds from one FIFO message. */
export function sqsEvent(...bodies: string[]) {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i + 1}`,
      receiptHandle: `r-${i + 1}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "1763907360000",
        SenderId: "AIDAEXAMPLE",
        ApproximateFirstReceiveTimestamp: "1763907360000",
        MessageGroupId: "warehouse-postgres-postgres",
        MessageDeduplicationId: `d-${i + 1}`,
        SequenceNumber: `1000000000000000000${i}`,
      },
      messageAttributes: {},
      md5OfBody: "0".repeat(32),
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-2:123456789012:etl-load-runs.fifo",
      awsRegion: "eu-west-2",
    })),
  };
}
