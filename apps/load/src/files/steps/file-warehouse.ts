import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import {
  controlDdl,
  DEFAULT_CSV,
  delimitedOptions,
  type FileLoadSpec,
  type FileRule,
  jsonLineToCsv,
  jsonPathsDocument,
  LoadTransientError,
  loadFileIntoPostgres,
  POSTGRES_TABLE_COLUMNS_SQL,
  type RedshiftFileFormat,
  type RedshiftFileLoader,
  redshiftFileCopySql,
  rowToCsv,
  StatementStillRunningError,
  type TableColumn,
} from "@etl/db";
import { classifyStatementError } from "@etl/db/redshift";
import type { ObjectStore } from "@etl/s3-io";
import { readParquet } from "@etl/s3-io/parquet-read";
import { messageOf } from "@etl/schemas";
import type pg from "pg";
import { jsonPathsKey, processingKey } from "./destinations";
import { readRecords } from "./records";

export interface FileLoadRequest {
  rule: FileRule;
  spec: FileLoadSpec;
  /** The processing copy to load, in the landing bucket. */
  bucket: string;
  key: string;
  /** Epoch ms by which a Redshift statement must be done or handed back. */
  deadline: number;
  /** Redshift: the statement an earlier attempt submitted for this object version. */
  statementId?: string;
  /** Redshift: told the statement id once it is submitted, before it is awaited. */
  onSubmitted?(statementId: string): Promise<void>;
}

export interface FileLoadResult {
  /** `already-loaded`: the ledger has this object version; nothing was written. */
  status: "loaded" | "already-loaded";
  rows: number;
  statementId?: string;
}

/**
 * The warehouse port of the landed-file load: PostgreSQL (`COPY FROM STDIN`, one transaction)
 * or Redshift (`COPY` from S3, one Data API batch). A load error is a `LoadDataError` (FAILED)
 * or retryable; a Redshift statement still running at the deadline is a
 * `StatementStillRunningError` (retryable: the next attempt picks the statement up).
 */
export interface FileWarehouse {
  readonly target: "postgres" | "redshift";
  /** The target's columns and types in order; empty when the table does not exist. */
  columns(schema: string, table: string, deadline: number): Promise<TableColumn[]>;
  /** What this warehouse cannot do with the rule (checked before anything is read). */
  problems(rule: FileRule): string[];
  load(request: FileLoadRequest): Promise<FileLoadResult>;
}

/** The processing copy's text, inflated when it is gzip. */
async function openText(store: ObjectStore, bucket: string, key: string, gzip: boolean): Promise<Readable> {
  const raw = await store.getStream(bucket, key);
  if (!gzip) return raw;
  const inflated = createGunzip();
  pipeline(raw, inflated).catch((error: unknown) => inflated.destroy(error as Error));
  return inflated;
}

/** Field `i`'s source name for JSON Lines and Parquet; undefined for a filler. */
function sources(rule: FileRule): (string | undefined)[] {
  return (rule.columns ?? []).map((c) => (c.name === undefined ? undefined : (c.source ?? c.name)));
}

/** The CSV body PostgreSQL's COPY reads, for each format. */
async function* postgresBody(store: ObjectStore, request: FileLoadRequest): AsyncGenerator<Buffer | string> {
  const { rule, bucket, key } = request;
  if (rule.format === "parquet") {
    const names = sources(rule);
    for (const row of await readParquet(await store.get(bucket, key))) yield rowToCsv(row, names);
    return;
  }
  const text = await openText(store, bucket, key, rule.compression === "gzip");
  // A fixed-width file's processing copy is already CSV (DEFAULT_CSV): the preparation cut and
  // trimmed its fields, so both warehouses load the same values.
  if (rule.format === "csv" || rule.format === "delimited" || rule.format === "fixed_width") {
    yield* text;
    return;
  }
  const names = sources(rule);
  let line = 0;
  let batch = "";
  for await (const record of readRecords(text)) {
    line++;
    batch += jsonLineToCsv(record.toString("utf8"), names, line);
    if (batch.length >= 65_536) {
      yield batch;
      batch = "";
    }
  }
  if (batch) yield batch;
}

export interface PostgresFileWarehouseOptions {
  connect(): Promise<pg.Client>;
  store: ObjectStore;
  /** Where the ledger (`loaded_files`) lives. */
  controlSchema: string;
}

/**
 * PostgreSQL: the processing copy streamed through `COPY ... FROM STDIN` (CSV; fixed width,
 * JSON Lines and Parquet converted on the way), the write, the follow-up and the ledger row in
 * one transaction. The ledger table is created once per instance when missing.
 */
export function createPostgresFileWarehouse(options: PostgresFileWarehouseOptions): FileWarehouse {
  let ledgerReady: Promise<void> | undefined;
  const withClient = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = await options.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  return {
    target: "postgres",
    columns(schema, table) {
      return withClient(async (client) => {
        const result = await client.query<{ column_name: string; data_type: string }>(
          POSTGRES_TABLE_COLUMNS_SQL,
          [schema, table],
        );
        return result.rows.map((r) => ({ name: r.column_name, dataType: r.data_type }));
      });
    },
    problems: () => [],
    load(request) {
      return withClient(async (client) => {
        ledgerReady ??= (async () => {
          for (const sql of controlDdl(options.controlSchema)) await client.query(sql);
        })();
        try {
          await ledgerReady;
        } catch (error) {
          ledgerReady = undefined;
          throw error;
        }
        const dialect =
          request.rule.format === "csv" || request.rule.format === "delimited"
            ? delimitedOptions(request.rule)
            : DEFAULT_CSV;
        const result = await loadFileIntoPostgres(
          client,
          request.spec,
          dialect,
          Readable.from(postgresBody(options.store, request)),
        );
        return { status: result.status, rows: result.rows };
      });
    },
  };
}

export interface RedshiftFileWarehouseOptions {
  loader: RedshiftFileLoader;
  store: ObjectStore;
  iamRoleArn: string;
  /** A short correlation id for statement names (never metadata). */
  correlationId(): string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Resubmissions after a serializable isolation violation (default 3, pauses of 1, 2, 4 s). */
  serializationRetries?: number;
}

function redshiftFormat(request: FileLoadRequest, jsonPathsUri: string): RedshiftFileFormat {
  const { rule } = request;
  switch (rule.format) {
    case "csv":
    case "delimited":
      return { kind: "csv", ...delimitedOptions(rule) };
    case "fixed_width":
      // The processing copy is CSV with each field trimmed (see prepare-file.ts).
      return { kind: "csv", ...DEFAULT_CSV };
    case "jsonl":
      return { kind: "json", jsonPathsUri };
    case "parquet":
      return { kind: "parquet" };
  }
}

/**
 * Redshift: the processing copy loaded with `COPY` from S3 in one Data API batch (staging, COPY,
 * time zone, write, follow-up, ledger row). The statement id is recorded before it is awaited;
 * an attempt that finds one picks it up instead of submitting twice.
 */
export function createRedshiftFileWarehouse(options: RedshiftFileWarehouseOptions): FileWarehouse {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const source = (request: FileLoadRequest) => {
    const uri = `s3://${request.bucket}/${request.key}`;
    return {
      uri,
      iamRoleArn: options.iamRoleArn,
      format: redshiftFormat(
        request,
        request.rule.format === "jsonl" ? `s3://${request.bucket}/${jsonPathsKey(request.key)}` : "",
      ),
      gzip: request.rule.compression === "gzip",
    };
  };
  return {
    target: "redshift",
    columns(schema, table, deadline) {
      return options.loader.columns(schema, table, { deadline, now });
    },
    problems(rule) {
      // Generating the COPY for a placeholder spec finds what Redshift's COPY cannot express.
      const probe = {
        rule,
        bucket: "probe",
        // A key of the processing copy's shape (the JSONPaths key is derived from it).
        key: processingKey("probe/", rule.name, "x", rule.format, rule.compression === "gzip"),
        deadline: 0,
        spec: {
          schema: "s",
          table: "t",
          fields: [{ column: "c" }],
          mode: "append",
          keys: [],
          timeZone: "UTC",
          ledger: {
            controlSchema: "etl",
            key: "k",
            runId: "r",
            table: "t",
            sha256: "0",
            rows: 0,
            loadedAt: new Date(0),
          },
        },
      } satisfies FileLoadRequest;
      try {
        redshiftFileCopySql(probe.spec, {
          ...source(probe),
          iamRoleArn: "arn:aws:iam::000000000000:role/probe",
        });
        return [];
      } catch (error) {
        return [messageOf(error)];
      }
    },
    async load(request) {
      const wait = { deadline: request.deadline, now };
      const rows = request.spec.ledger.rows;
      if (request.statementId) {
        try {
          const status = await options.loader.wait(request.statementId, request.spec, wait);
          if (status.state === "FINISHED")
            return { status: "loaded", rows, statementId: request.statementId };
          throw new StatementStillRunningError(request.statementId);
        } catch (error) {
          if (error instanceof StatementStillRunningError) throw error;
          // The earlier statement failed: nothing of it committed, so this attempt loads afresh
          // (a data error will fail again below and be reported then).
        }
      }
      if (await options.loader.isLoaded(request.spec.ledger.controlSchema, request.spec.ledger.key, wait))
        return { status: "already-loaded", rows: 0 };
      const copy = source(request);
      if (request.rule.format === "jsonl") {
        await options.store.put(
          request.bucket,
          jsonPathsKey(request.key),
          jsonPathsDocument(sources(request.rule).map((s) => s ?? "")),
          { contentType: "application/json" },
        );
      }
      const retries = options.serializationRetries ?? 3;
      for (let attempt = 0; ; attempt++) {
        const id = await options.loader.submit(request.spec, copy, `etl-file-${options.correlationId()}`);
        await request.onSubmitted?.(id);
        try {
          const status = await options.loader.wait(id, request.spec, wait);
          if (status.state !== "FINISHED") throw new StatementStillRunningError(id);
          return { status: "loaded", rows, statementId: id };
        } catch (error) {
          // Another load wrote the table at the same time (error 1023): the batch rolled back,
          // so it is submitted again after a pause, while there is time; then SQS retries.
          const delay = 1_000 * 2 ** attempt;
          const serialization =
            error instanceof LoadTransientError &&
            classifyStatementError(messageOf(error)) === "serialization";
          if (!serialization || attempt >= retries || now() + delay >= request.deadline) throw error;
          await sleep(delay);
        }
      }
    },
  };
}
