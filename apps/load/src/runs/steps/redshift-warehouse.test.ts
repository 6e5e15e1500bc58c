import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementCommandOutput,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { PreviousRunNotLoadedError } from "@etl/db/errors";
import {
  addColumnSql,
  createRedshiftDataApi,
  createStatementRunner,
  EXISTING_COLUMNS_SQL,
  finishRunSql,
  LOAD_ERROR_DETAIL_SQL,
  LOADER_MEMBERSHIP_SQL,
  loadedKeysOfRunSql,
  redshiftAdditiveColumns,
  redshiftDeletionStatements,
  redshiftMigrationSql,
  runStatusOfSql,
  tableBatchSql,
  writtenOfRunSql,
} from "@etl/db/redshift";
import { listBlockedRuns, recordBlockage, recordSkippedRun } from "@etl/ops";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import type { ProcessedRunManifest, StarTable } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { putProcessedRun, starRowsOf } from "../../../test/support/processed-run";
import { completeStatement, sweepStatements } from "../complete-statement";
import { WarehouseBusyError } from "../errors";
import { runLoad } from "../run-load";
import { CONTINUE_NAMESPACE, createRedshiftWarehouse, HANDOFF_NAMESPACE } from "./redshift-warehouse";

const redshift = mockClient(RedshiftDataClient);
const BUCKET = "etl-processed";
const RUN = "20261123T141500123Z-00000001";
const ROLE = "arn:aws:iam::123456789012:role/etl-redshift-copy";
const TABLES: StarTable[] = [
  "dim_date",
  "dim_location",
  "dim_currency",
  "dim_design",
  "dim_staff",
  "dim_counterparty",
  "fact_sales_order",
];

type Describe = Partial<DescribeStatementCommandOutput>;

/**
 * A Redshift behind the mocked Data API: batches get ids `b-1`, `b-2`, ... and queries `q-1`,
 * ...; `describe` says FINISHED unless a test scripts the statement; the ledger answers with
 * `ledgerKeys`. Time is simulated: `sleep` advances the clock.
 */
function harness(options: { remainingMs?: number; retries?: number } = {}) {
  let now = Date.parse("2026-11-23T15:00:00.000Z");
  const clock = () => new Date(now);
  const deadline = now + (options.remainingMs ?? 14 * 60_000);
  const store = createMemoryObjectStore();
  const audit = createMemoryAuditLog({ clock });
  const alerter = createMemoryAlerter({ clock });
  const state = createMemoryStateStore({ clock });
  const scripts = new Map<string, Describe[]>();
  const results = new Map<string, Record<string, string | number>[]>();
  const ledgerKeys: string[] = [];
  let runStatus: string | undefined;
  /** Ledger statuses of other runs (a previous run), by run id. */
  const runStatuses = new Map<string, string>();
  /** The catalog's columns: by default every additive column is there (a fresh warehouse). */
  let catalogColumns = redshiftAdditiveColumns().map((c) => ({
    table_schema: c.schema,
    table_name: c.table,
    column_name: c.column,
  }));
  let batches = 0;
  let queries = 0;

  redshift.reset();
  redshift.on(BatchExecuteStatementCommand).callsFake(() => ({ Id: `b-${++batches}` }));
  redshift
    .on(ExecuteStatementCommand)
    .callsFake((input: { Sql: string; Parameters?: { name: string; value: string }[] }) => {
      const id = `q-${++queries}`;
      const runId = input.Parameters?.find((p) => p.name === "run_id")?.value;
      if (input.Sql === loadedKeysOfRunSql())
        results.set(
          id,
          ledgerKeys.map((key) => ({ key })),
        );
      else if (input.Sql === runStatusOfSql()) {
        const status = runId !== undefined && runId !== RUN ? runStatuses.get(runId) : runStatus;
        results.set(id, status ? [{ status }] : []);
      } else if (input.Sql === EXISTING_COLUMNS_SQL) results.set(id, catalogColumns);
      else if (input.Sql === writtenOfRunSql()) results.set(id, [{ inserted: 9, updated: 2 }]);
      return { Id: id };
    });
  redshift.on(DescribeStatementCommand).callsFake((input: { Id: string }) => {
    const script = scripts.get(input.Id);
    const next = script && script.length > 1 ? script.shift() : script?.[0];
    return { Id: input.Id, Status: "FINISHED", ...next };
  });
  redshift.on(GetStatementResultCommand).callsFake((input: { Id: string }) => {
    const rows = results.get(input.Id) ?? [];
    const names = rows[0] ? Object.keys(rows[0]) : [];
    return {
      ColumnMetadata: names.map((name) => ({ name })),
      Records: rows.map((r) =>
        names.map((n) => (typeof r[n] === "number" ? { longValue: r[n] } : { stringValue: String(r[n]) })),
      ),
      TotalNumRows: rows.length,
    };
  });

  const api = createRedshiftDataApi(new RedshiftDataClient({ region: "eu-west-2" }), {
    workgroupName: "etl",
    database: "dev",
  });
  const sleep = async (ms: number) => {
    now += ms;
  };
  const warehouse = createRedshiftWarehouse({
    api,
    statements: createStatementRunner({
      api,
      serializationRetries: options.retries ?? 2,
      retryDelayMs: () => 2_000,
      now: () => now,
      sleep,
    }),
    state,
    store,
    schema: "warehouse",
    iamRoleArn: ROLE,
    clock,
    sleep,
    pollBudgetMs: 600_000,
    marginMs: 30_000,
    correlationId: () => "c0ffee00",
  });
  const deps = { store, bucket: BUCKET, warehouse, statements: warehouse, audit, alerter, clock };
  const time = { remainingMs: () => deadline - now };
  return {
    deps,
    completion: { ...deps, stuckAfterMs: 60 * 60_000 },
    time,
    store,
    audit,
    alerter,
    state,
    scripts,
    results,
    ledgerKeys,
    setRunStatus: (status: string) => {
      runStatus = status;
    },
    runStatuses,
    setCatalogColumns: (columns: typeof catalogColumns) => {
      catalogColumns = columns;
    },
    advance: (ms: number) => {
      now += ms;
    },
    clock,
  };
}

type Harness = ReturnType<typeof harness>;

const batchSqls = () =>
  redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.Sqls ?? []);
/** Batch ids in submission order, after the migration's. */
const migrationBatches = Math.ceil(redshiftMigrationSql().length / 40);
const tableBatchId = (index: number) => `b-${migrationBatches + index + 1}`;

async function run(h: Harness, parts: Partial<Record<StarTable, number>> = { fact_sales_order: 2 }) {
  const manifest = await putProcessedRun(h.store, BUCKET, RUN, starRowsOf(), { parts });
  return { manifest, outcome: await runLoad({ runId: RUN }, h.deps, h.time) };
}

function expectedBatch(
  manifest: ProcessedRunManifest,
  table: StarTable,
  uri: string,
  isManifest: boolean,
  at: Date,
) {
  return tableBatchSql({
    schema: "warehouse",
    controlSchema: "etl",
    table,
    runId: RUN,
    source: { uri, manifest: isManifest },
    iamRoleArn: ROLE,
    files: manifest.files
      .filter((f) => f.table === table)
      .map((f) => ({ key: f.key, sha256: f.sha256, rows: f.rows })),
    loadedAt: at,
  });
}

beforeEach(() => {
  redshift.reset();
});

describe("Redshift load: deletions", () => {
  it("sends the run's deletions as one batch after its tables and before the run row", async () => {
    const h = harness();
    const deletions = [
      { table: "fact_sales_order" as const, keys: [1], deletedAt: "2026-11-23 14:00:00.000000" },
      { table: "dim_staff" as const, keys: [1], deletedAt: "2026-11-23 14:00:00.000000" },
    ];
    await putProcessedRun(h.store, BUCKET, RUN, starRowsOf(), { deletions });

    const outcome = await runLoad({ runId: RUN }, h.deps, h.time);

    expect(outcome).toMatchObject({ status: "loaded" });
    const sqls = batchSqls();
    expect(sqls.at(-2)).toEqual(redshiftDeletionStatements("warehouse", deletions));
    expect(sqls.at(-2)?.[0]).toMatch(/^update "warehouse"."dim_staff" set "is_deleted" = true/);
    expect(sqls.at(-1)?.[0]).toContain("load_runs");
  });

  it("loads a run whose only change is deletions: no table batch, the deletions, the run row", async () => {
    const h = harness();
    const deletions = [{ table: "dim_staff" as const, keys: [3], deletedAt: "2026-11-23 14:00:00.000000" }];
    await putProcessedRun(h.store, BUCKET, RUN, {}, { deletions });

    const outcome = await runLoad({ runId: RUN }, h.deps, h.time);

    expect(outcome).toMatchObject({ status: "loaded", files: 0 });
    expect(batchSqls().slice(migrationBatches)).toEqual([
      redshiftDeletionStatements("warehouse", deletions),
      expect.arrayContaining([expect.stringContaining("load_runs")]),
    ]);
  });
});

describe("Redshift load: FINISHED", () => {
  it("sends the migration, one batch per table with the exact statements, then the run row", async () => {
    const h = harness();

    const { manifest, outcome } = await run(h);

    expect(outcome).toMatchObject({ status: "loaded", files: 8, rows: 11, inserted: 9, updated: 2 });
    const copyManifests = h.store.objects(BUCKET).filter((o) => o.key.startsWith("copy-manifests/"));
    expect(copyManifests.map((o) => o.key)).toEqual([
      `copy-manifests/${RUN}/fact_sales_order-20261123150000000.manifest`,
    ]);
    const facts = manifest.files.filter((f) => f.table === "fact_sales_order");
    expect(JSON.parse(h.store.text(BUCKET, copyManifests[0]?.key ?? "") ?? "")).toEqual({
      entries: facts.map((f) => ({
        url: `s3://${BUCKET}/${f.key}`,
        mandatory: true,
        meta: { content_length: f.bytes },
      })),
    });
    const at = h.clock();
    const single = (table: StarTable) => {
      const key = manifest.files.find((f) => f.table === table)?.key ?? "";
      return expectedBatch(manifest, table, `s3://${BUCKET}/${key}`, false, at);
    };
    expect(batchSqls()).toEqual([
      ...Array.from({ length: migrationBatches }, (_, i) =>
        redshiftMigrationSql().slice(i * 40, i * 40 + 40),
      ),
      ...TABLES.slice(0, 6).map(single),
      expectedBatch(manifest, "fact_sales_order", `s3://${BUCKET}/${copyManifests[0]?.key}`, true, at),
      finishRunSql({
        controlSchema: "etl",
        runId: RUN,
        target: "redshift",
        startedAt: at,
        finishedAt: at,
        files: 8,
        rows: 11,
      }),
    ]);
    const calls = redshift.commandCalls(BatchExecuteStatementCommand);
    expect(
      calls.every((c) => c.args[0].input.StatementName === "etl-load-c0ffee00" && c.args[0].input.WithEvent),
    ).toBe(true);
    expect(calls[0]?.args[0].input).toMatchObject({ WorkgroupName: "etl", Database: "dev" });
    expect(redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input)).toMatchObject([
      {
        Sql: EXISTING_COLUMNS_SQL,
        Parameters: [
          { name: "schema", value: "warehouse" },
          { name: "control_schema", value: "etl" },
        ],
      },
      // Not a member of the loader role (one user signs in by secret): no grants.
      { Sql: LOADER_MEMBERSHIP_SQL, Parameters: [{ name: "role", value: "etl_loader" }] },
      { Sql: loadedKeysOfRunSql(), Parameters: [{ name: "run_id", value: RUN }] },
      { Sql: writtenOfRunSql(), Parameters: [{ name: "run_id", value: RUN }] },
    ]);
  });

  it("loads a run that held rows back with the statements of its files alone: the held rows stay in S3", async () => {
    const h = harness();
    const manifest = await putProcessedRun(h.store, BUCKET, RUN, starRowsOf(), { held: true });

    const outcome = await runLoad({ runId: RUN }, h.deps, h.time);

    expect(outcome).toMatchObject({ status: "loaded", files: 7, rows: 11 });
    const at = h.clock();
    const single = (table: StarTable) => {
      const key = manifest.files.find((f) => f.table === table)?.key ?? "";
      return expectedBatch(manifest, table, `s3://${BUCKET}/${key}`, false, at);
    };
    expect(batchSqls().slice(migrationBatches)).toEqual([
      ...TABLES.map(single),
      finishRunSql({
        controlSchema: "etl",
        runId: RUN,
        target: "redshift",
        startedAt: at,
        finishedAt: at,
        files: 7,
        rows: 11,
      }),
    ]);
    expect(JSON.stringify(batchSqls())).not.toContain("quarantine/");
  });

  it("audits every file FINISHED with its statement, size and etag, and the run", async () => {
    const h = harness();

    const { manifest } = await run(h);

    const files = h.audit.items.filter((i) => i.key !== "-");
    expect(files).toHaveLength(manifest.files.length);
    expect(
      files.every((i) => i.status === "FINISHED" && i.statementId?.startsWith("b-") && i.etag && i.size),
    ).toBe(true);
    expect(h.audit.items.find((i) => i.key === "-")).toMatchObject({ status: "FINISHED", rows: 11 });
    expect(h.alerter.sent).toEqual([]);
  });

  it("skips tables the ledger has and writes nothing when the run is FINISHED", async () => {
    const h = harness();
    const manifest = await putProcessedRun(h.store, BUCKET, RUN, starRowsOf());
    h.ledgerKeys.push(...manifest.files.map((f) => f.key));
    h.setRunStatus("FINISHED");

    const outcome = await runLoad({ runId: RUN }, h.deps, h.time);

    expect(outcome.status).toBe("skipped");
    expect(batchSqls()).toHaveLength(migrationBatches);
    expect(h.audit.items.filter((i) => i.key !== "-").every((i) => i.status === "SKIPPED")).toBe(true);
  });
});

describe("Redshift load: progress", () => {
  it("tells the progress port each table it loads: started with the manifest's rows, finished with its rows", async () => {
    const h = harness();
    const events: string[] = [];
    const progress = {
      tableStarted: (table: string, expected?: number) => events.push(`start ${table} ${expected}`),
      rows: (table: string, rows: number, step?: string) =>
        events.push(`rows ${table} ${rows} ${step ?? ""}`),
      tableFinished: (table: string, rows: number) => events.push(`done ${table} ${rows}`),
    };
    const manifest = await putProcessedRun(h.store, BUCKET, RUN, starRowsOf(), {
      parts: { fact_sales_order: 2 },
    });

    await runLoad({ runId: RUN }, { ...h.deps, progress }, h.time);

    const rowsOf = (t: StarTable) =>
      manifest.files.filter((f) => f.table === t).reduce((n, f) => n + f.rows, 0);
    expect(events).toEqual(
      TABLES.flatMap((t) => [
        `start ${t} ${rowsOf(t)}`,
        `rows ${t} 0 copying and merging`,
        `done ${t} ${rowsOf(t)}`,
      ]),
    );
  });

  it("tells nothing of a table the ledger already has", async () => {
    const h = harness();
    const events: string[] = [];
    const progress = {
      tableStarted: (table: string) => events.push(table),
      rows: () => undefined,
      tableFinished: (table: string) => events.push(table),
    };
    const manifest = await putProcessedRun(h.store, BUCKET, RUN, starRowsOf());
    h.ledgerKeys.push(...manifest.files.filter((f) => f.table !== "fact_sales_order").map((f) => f.key));

    await runLoad({ runId: RUN }, { ...h.deps, progress }, h.time);

    expect(events).toEqual(["fact_sales_order", "fact_sales_order"]);
  });
});

describe("Redshift load: in order, and never older", () => {
  const PREVIOUS = "20261122T141500123Z-00000000";

  it("refuses a run whose previous run is not FINISHED, submitting nothing, then loads it once it is", async () => {
    const h = harness();
    await putProcessedRun(h.store, BUCKET, RUN, starRowsOf(), { previousRunId: PREVIOUS });

    const waiting = await runLoad({ runId: RUN }, h.deps, h.time).catch((e: unknown) => e);

    expect(waiting).toBeInstanceOf(PreviousRunNotLoadedError);
    expect(waiting).toMatchObject({
      retryable: true,
      code: "PREVIOUS_RUN_NOT_LOADED",
      message: `run ${RUN} waits for run ${PREVIOUS} to be loaded first`,
    });
    expect(batchSqls()).toHaveLength(migrationBatches);
    expect(redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input)).toMatchObject([
      { Sql: EXISTING_COLUMNS_SQL },
      { Sql: LOADER_MEMBERSHIP_SQL },
      { Sql: runStatusOfSql(), Parameters: [{ name: "run_id", value: PREVIOUS }] },
      { Sql: runStatusOfSql(), Parameters: [{ name: "run_id", value: RUN }] },
    ]);
    expect(h.alerter.sent).toEqual([]);

    h.runStatuses.set(PREVIOUS, "FINISHED");
    const loaded = await runLoad({ runId: RUN }, h.deps, h.time);

    expect(loaded.status).toBe("loaded");
    expect(batchSqls()).toHaveLength(migrationBatches + TABLES.length + 1);
  });

  it("steps over a previous run skipped on the record: the ledger is asked for the run before it, then the run loads", async () => {
    const h = harness();
    const OLDER = "20261121T141500123Z-00000099";
    await putProcessedRun(h.store, BUCKET, RUN, starRowsOf(), { previousRunId: PREVIOUS });
    await recordSkippedRun(h.state, {
      stage: "load",
      runId: PREVIOUS,
      reason: "file corrupted",
      by: "ops",
      at: "2026-11-23T14:50:00.000Z",
      previousRunId: OLDER,
    });
    h.runStatuses.set(OLDER, "FINISHED");

    const loaded = await runLoad({ runId: RUN }, { ...h.deps, state: h.state }, h.time);

    expect(loaded.status).toBe("loaded");
    expect(redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input)).toContainEqual(
      expect.objectContaining({ Sql: runStatusOfSql(), Parameters: [{ name: "run_id", value: OLDER }] }),
    );
    expect(
      redshift
        .commandCalls(ExecuteStatementCommand)
        .map((c) => c.args[0].input.Parameters?.[0]?.value)
        .filter((v) => v === PREVIOUS),
    ).toEqual([]);
    expect(batchSqls()).toHaveLength(migrationBatches + TABLES.length + 1);
  });

  it("a run whose previous run blocks the load is acknowledged behind it, submitting nothing and alerting nothing", async () => {
    const h = harness();
    await putProcessedRun(h.store, BUCKET, RUN, starRowsOf(), { previousRunId: PREVIOUS });
    await recordBlockage(h.state, {
      stage: "load",
      runId: PREVIOUS,
      code: "CHECKSUM_MISMATCH",
      reason: "dim_date x.parquet: sha256 differs",
      since: "2026-11-23T14:50:00.000Z",
    });

    const outcome = await runLoad({ runId: RUN }, { ...h.deps, state: h.state }, h.time);

    expect(outcome.status).toBe("blocked");
    expect(batchSqls()).toHaveLength(migrationBatches);
    expect(h.alerter.sent).toEqual([]);
    expect((await listBlockedRuns(h.state, "load")).map((r) => r.runId)).toEqual([RUN]);
  });

  it("sends every dimension batch with the recency check before the MERGE", async () => {
    const h = harness();

    await run(h);

    const location = batchSqls()[migrationBatches + 1] ?? [];
    const merge = location.findIndex((sql) => sql.startsWith("merge into "));
    expect(location[merge - 3]).toBe(
      'delete from "src_dim_location" using "warehouse"."dim_location" ' +
        'where "src_dim_location"."location_id" = "warehouse"."dim_location"."location_id" ' +
        'and "warehouse"."dim_location"."source_updated_at" is not null ' +
        'and ("src_dim_location"."source_updated_at" is null ' +
        'or "src_dim_location"."source_updated_at" < "warehouse"."dim_location"."source_updated_at")',
    );
    expect(
      location.some((sql) =>
        sql.includes(
          'row_number() over (partition by "location_id" order by "source_updated_at" desc nulls last',
        ),
      ),
    ).toBe(true);
    const dates = batchSqls()[migrationBatches] ?? [];
    expect(dates.some((sql) => sql.includes("source_updated_at"))).toBe(false);
  });

  it("COPYs a dimension file written before source_updated_at existed without that column (staged NULL)", async () => {
    const h = harness();
    const manifest = await putProcessedRun(h.store, BUCKET, RUN, starRowsOf(), {
      withoutSourceUpdatedAt: true,
    });

    const outcome = await runLoad({ runId: RUN }, h.deps, h.time);

    expect(outcome.status).toBe("loaded");
    const location = batchSqls()[migrationBatches + 1] ?? [];
    const file = manifest.files.find((f) => f.table === "dim_location");
    expect(location[1]).toBe(
      'copy "warehouse"."stg_dim_location" ("location_id", "address_line_1", "address_line_2", "district", ' +
        '"city", "postal_code", "country", "phone") ' +
        `from 's3://${BUCKET}/${file?.key}' iam_role '${ROLE}' format as parquet`,
    );
    const dates = batchSqls()[migrationBatches] ?? [];
    expect(dates[1]).toContain('copy "warehouse"."stg_dim_date" ("date_id", ');
  });

  it("adds the additive columns a warehouse of the previous release lacks, one statement each", async () => {
    const h = harness();
    h.setCatalogColumns([]);

    await run(h);

    expect(batchSqls()[migrationBatches]).toEqual(redshiftAdditiveColumns().map(addColumnSql));
    expect(batchSqls()[migrationBatches]).toContain(
      'alter table "warehouse"."dim_location" add column "source_updated_at" timestamp',
    );
    expect(batchSqls()[migrationBatches]).toContain(
      'alter table "warehouse"."stg_dim_location" add column "source_updated_at" varchar(32)',
    );
    expect(batchSqls()[migrationBatches]).toContain(
      'alter table "etl"."load_runs" add column "inserted" bigint',
    );
  });
});

describe("Redshift load: FAILED", () => {
  it("records a data error with the SYS_LOAD_ERROR_DETAIL rows, alerts, and acknowledges", async () => {
    const h = harness();
    const factBatch = tableBatchId(6);
    h.scripts.set(factBatch, [
      {
        Status: "FAILED",
        Error: "batch failed",
        SubStatements: [
          { Id: `${factBatch}:1`, Status: "FINISHED" },
          {
            Id: `${factBatch}:2`,
            Status: "FAILED",
            Error:
              "ERROR: Load into table 'stg_fact_sales_order' failed. Check 'sys_load_error_detail' system table for details.",
            QueryString: `copy "warehouse"."stg_fact_sales_order" (...) from 's3://x' iam_role '${ROLE}' format as parquet manifest`,
            RedshiftQueryId: 77,
          },
        ],
      },
    ]);
    redshift.on(ExecuteStatementCommand, { Sql: LOAD_ERROR_DETAIL_SQL }).callsFake(() => {
      h.results.set("q-errors", [
        {
          file_name: "s3://etl-processed/star/fact_sales_order/p1.parquet",
          line_number: 3,
          column_name: "unit_price",
          error_message: "Overflow",
        },
      ]);
      return { Id: "q-errors" };
    });

    const { outcome } = await run(h);

    expect(outcome).toMatchObject({ status: "failed" });
    // The columns SYS_LOAD_ERROR_DETAIL has (AWS docs): there is no raw value column; the
    // character columns are blank-padded, hence trim.
    expect(
      redshift.commandCalls(ExecuteStatementCommand, { Sql: LOAD_ERROR_DETAIL_SQL })[0]?.args[0].input,
    ).toMatchObject({
      Sql:
        "select trim(file_name) as file_name, line_number, trim(column_name) as column_name, " +
        "trim(column_type) as column_type, trim(column_length) as column_length, position, error_code, " +
        "trim(error_message) as error_message from sys_load_error_detail " +
        "where query_id = :query_id order by line_number limit 100",
      Parameters: [{ name: "query_id", value: "77" }],
    });
    const [failure] = h.audit.failures;
    expect(failure).toMatchObject({ stage: "load", runId: RUN, table: "fact_sales_order", retryable: false });
    expect(failure?.sql).toContain('copy "warehouse"."stg_fact_sales_order"');
    expect(failure?.details).toMatchObject({
      statementId: factBatch,
      loadErrors: [{ column_name: "unit_price", line_number: 3, error_message: "Overflow" }],
    });
    expect(h.audit.items.filter((i) => i.table === "fact_sales_order").map((i) => i.status)).toEqual([
      "FAILED",
      "FAILED",
    ]);
    expect(h.audit.items.filter((i) => i.table === "dim_date").map((i) => i.status)).toEqual(["FINISHED"]);
    expect(h.alerter.sent[0]?.subject).toMatch(
      // SNS subjects end at 100 characters: the code is cut short (the failure item holds it).
      /^ETL load fact_sales_order .+-0001\.parquet: failed, no retry \(/,
    );
  });

  it("resubmits a batch after a serializable isolation violation (1023)", async () => {
    const h = harness();
    const first = tableBatchId(0);
    h.scripts.set(first, [
      { Status: "FAILED", Error: "ERROR: 1023 DETAIL: Serializable isolation violation on table - 101" },
    ]);

    const { outcome } = await run(h, {});

    expect(outcome.status).toBe("loaded");
    const sqls = batchSqls().slice(migrationBatches);
    expect(sqls[0]).toEqual(sqls[1]);
    expect(sqls[0]?.[0]).toBe('delete from "warehouse"."stg_dim_date"');
    expect(h.alerter.sent).toEqual([]);
  });

  it("gives up after the last retry with a retryable error, recorded, alerted as failing (a direct call is its own first receive) and thrown", async () => {
    const h = harness({ retries: 1 });
    const violation = {
      Status: "FAILED" as const,
      Error: "ERROR: 1023 DETAIL: Serializable isolation violation on table - 101",
    };
    h.scripts.set(tableBatchId(0), [violation]);
    h.scripts.set(tableBatchId(1), [violation]);
    await putProcessedRun(h.store, BUCKET, RUN, starRowsOf());

    const failure = await runLoad({ runId: RUN }, h.deps, h.time).catch((e) => e);

    expect(failure).toMatchObject({ retryable: true, code: "REDSHIFT_SERIALIZATION" });
    expect(h.audit.failures[0]).toMatchObject({ retryable: true, table: "dim_date" });
    expect(h.alerter.sent.map((a) => a.subject)).toEqual([
      expect.stringMatching(/^ETL load dim_date .+: failing, will retry \(REDSH/),
    ]);
  });

  it("treats an ABORTED statement as final: audited ABORTED and alerted", async () => {
    const h = harness();
    h.scripts.set(tableBatchId(1), [{ Status: "ABORTED" }]);

    const { outcome } = await run(h, {});

    expect(outcome.status).toBe("failed");
    expect(h.audit.items.find((i) => i.table === "dim_location")?.status).toBe("ABORTED");
    expect(h.audit.items.find((i) => i.key === "-")?.status).toBe("ABORTED");
    expect(h.alerter.sent[0]?.subject).toMatch(/: failed, no retry \(ABORTED\)$/);
  });
});

describe("Redshift load: hand-off and completion", () => {
  async function handOff() {
    const h = harness({ remainingMs: 90_000 });
    const factBatch = tableBatchId(6);
    h.scripts.set(factBatch, [{ Status: "STARTED" }]);
    const { manifest, outcome } = await run(h);
    return { h, factBatch, manifest, outcome };
  }

  it("records a statement still running when time runs short, and returns", async () => {
    const { h, factBatch, outcome } = await handOff();

    expect(outcome).toMatchObject({ status: "handed-off", statementId: factBatch });
    const record = await h.state.getRecord(HANDOFF_NAMESPACE, factBatch);
    expect(record?.data).toMatchObject({
      statementId: factBatch,
      runId: RUN,
      table: "fact_sales_order",
      bucket: BUCKET,
    });
    expect(h.audit.items.filter((i) => i.table === "fact_sales_order").map((i) => i.status)).toEqual([
      "HANDED_OFF",
      "HANDED_OFF",
    ]);
    expect(h.time.remainingMs()).toBeGreaterThanOrEqual(30_000);
    expect(batchSqls().at(-1)?.[0]).toBe('delete from "warehouse"."stg_fact_sales_order"');
  });

  it("finalises the statement from its FINISHED event, then finishes the run, exactly once", async () => {
    const { h, factBatch, manifest } = await handOff();
    h.scripts.set(factBatch, [{ Status: "FINISHED" }]);
    h.ledgerKeys.push(...manifest.files.map((f) => f.key));

    const first = await completeStatement(factBatch, h.completion, { remainingMs: () => 300_000 });
    const again = await completeStatement(factBatch, h.completion, { remainingMs: () => 300_000 });

    expect(first).toMatchObject({ status: "finished", run: { status: "loaded" } });
    expect(again.status).toBe("ignored");
    expect(await h.state.getRecord(HANDOFF_NAMESPACE, factBatch)).toBeUndefined();
    expect(await h.state.listRecords(CONTINUE_NAMESPACE)).toEqual([]);
    expect(batchSqls().at(-1)?.[1]).toContain(`insert into "etl"."load_runs"`);
    const finished = h.audit.items.filter((i) => i.table === "fact_sales_order" && i.status === "FINISHED");
    expect(finished.map((i) => i.statementId)).toEqual([factBatch, factBatch]);
  });

  it("reports a FAILED event with a data error and ends the run", async () => {
    const { h, factBatch } = await handOff();
    h.scripts.set(factBatch, [
      { Status: "FAILED", Error: "ERROR: Spectrum Scan Error: incompatible Parquet schema" },
    ]);

    const outcome = await completeStatement(factBatch, h.completion, { remainingMs: () => 300_000 });

    expect(outcome.status).toBe("failed");
    expect(h.audit.failures[0]).toMatchObject({ table: "fact_sales_order", retryable: false });
    expect(h.alerter.sent).toHaveLength(1);
    expect(await h.state.listRecords(CONTINUE_NAMESPACE)).toEqual([]);
  });

  it("sweeps a statement whose event was missed, and alerts once about one that is stuck", async () => {
    const { h, factBatch, manifest } = await handOff();
    h.advance(2 * 60 * 60_000);

    const stuck = await sweepStatements(h.completion, { remainingMs: () => 300_000 });
    const stillStuck = await sweepStatements(h.completion, { remainingMs: () => 300_000 });
    h.scripts.set(factBatch, [{ Status: "FINISHED" }]);
    h.ledgerKeys.push(...manifest.files.map((f) => f.key));
    const swept = await sweepStatements(h.completion, { remainingMs: () => 300_000 });

    expect(stuck.stuck).toEqual([factBatch]);
    expect(stillStuck.stuck).toEqual([]);
    expect(h.alerter.sent.map((a) => a.subject)).toEqual([
      expect.stringMatching(/^ETL load fact_sales_order .+: statement still running$/),
    ]);
    expect(swept.finalised.map((f) => [f.statementId, f.status])).toEqual([[factBatch, "finished"]]);
    expect(await h.state.listRecords(HANDOFF_NAMESPACE)).toEqual([]);
  });

  it("makes another run wait while a statement is handed off", async () => {
    const { h } = await handOff();
    const next = "20261124T141500123Z-00000002";
    await putProcessedRun(h.store, BUCKET, next, starRowsOf());

    const waiting = await runLoad({ runId: next }, h.deps, h.time).catch((e) => e);

    expect(waiting).toBeInstanceOf(WarehouseBusyError);
    expect(h.alerter.sent).toEqual([]);
  });

  it("does not submit a run's table twice while its statement still runs", async () => {
    const { h, factBatch } = await handOff();
    const before = batchSqls().length;

    const again = await runLoad({ runId: RUN }, h.deps, { remainingMs: () => 300_000 });

    expect(again).toMatchObject({ status: "handed-off", statementId: factBatch });
    expect(batchSqls()).toHaveLength(before);
  });
});
