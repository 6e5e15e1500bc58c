import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { controlDdl } from "@etl/db/ddl";
import {
  DEFAULT_CSV,
  jsonLineToCsv,
  loadFileIntoPostgres,
  POSTGRES_TABLE_COLUMNS_SQL,
  rowToCsv,
} from "@etl/db/file-load";
import { delimitedOptions } from "@etl/db/rules";
import type { ObjectStore } from "@etl/s3-io";
import { readParquet } from "@etl/s3-io/parquet-read";
import type pg from "pg";
import { type FileLoadRequest, type FileWarehouse, sourceNames } from "./file-warehouse";
import { readRecords } from "./records";

/** The processing copy's text, inflated when it is gzip. */
async function openText(store: ObjectStore, bucket: string, key: string, gzip: boolean): Promise<Readable> {
  const raw = await store.getStream(bucket, key);
  if (!gzip) return raw;
  const inflated = createGunzip();
  pipeline(raw, inflated).catch((error: unknown) => inflated.destroy(error as Error));
  return inflated;
}

/** The CSV body PostgreSQL's COPY reads, for each format. */
async function* postgresBody(store: ObjectStore, request: FileLoadRequest): AsyncGenerator<Buffer | string> {
  const { rule, bucket, key } = request;
  if (rule.format === "parquet") {
    const names = sourceNames(rule);
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
  const names = sourceNames(rule);
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
