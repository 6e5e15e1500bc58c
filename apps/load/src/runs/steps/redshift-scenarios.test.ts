import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import {
  addColumnSql,
  createRedshiftDataApi,
  createStatementRunner,
  EXISTING_COLUMNS_SQL,
  finishRunSql,
  loadedKeysOfRunSql,
  redshiftAdditiveColumns,
  redshiftDeletionStatements,
  redshiftMigrationSql,
  runStatusOfSql,
  type TableBatchInput,
  tableBatchSql,
  writtenOfRunSql,
} from "@etl/db/redshift";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { readParquet } from "@etl/s3-io/parquet";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { type ProcessedRunManifest, STAR_TABLE_NAMES, type StarDeletion, type StarTable } from "@etl/schemas";
import { makeSalesOrder } from "@etl/schemas/testing";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type PutRunOptions,
  putProcessedRun,
  type StarRows,
  starRowsOf,
} from "../../../test/support/processed-run";
import { runLoad } from "../run-load";
import { createRedshiftWarehouse } from "./redshift-warehouse";

/**
 * The source-change scenarios of the end-to-end reliability tests (schema drift, hard deletes,
 * quarantine and its retry), on the Redshift path: each scenario's processed runs, as the
 * transform writes them, loaded through the Redshift warehouse against the mocked Data API, with
 * the exact statements asserted.
 */

const redshift = mockClient(RedshiftDataClient);
const BUCKET = "etl-processed";
const RUN_1 = "20261123T141500123Z-00000001";
const RUN_2 = "20261124T141500123Z-00000002";
const ROLE = "arn:aws:iam::123456789012:role/etl-redshift-copy";
const DELETED_AT = "2026-11-24 14:15:00.123000";

/**
 * A Redshift behind the mocked Data API that remembers what it was sent: the ledger keys and the
 * FINISHED runs grow with each finished batch, so a second load of a run sees it loaded.
 */
function harness(options: { catalogHasAdditiveColumns?: boolean } = {}) {
  const now = Date.parse("2026-11-24T15:00:00.000Z");
  const clock = () => new Date(now);
  const store = createMemoryObjectStore();
  const results = new Map<string, Record<string, string | number>[]>();
  const ledgerKeys = new Map<string, string[]>();
  const finishedRuns = new Set<string>();
  const catalog =
    (options.catalogHasAdditiveColumns ?? true)
      ? redshiftAdditiveColumns().map((c) => ({
          table_schema: c.schema,
          table_name: c.table,
          column_name: c.column,
        }))
      : [];
  let batches = 0;
  let queries = 0;

  redshift.reset();
  redshift.on(BatchExecuteStatementCommand).callsFake((input: { Sqls: string[] }) => {
    // What the batch commits: its ledger rows (the COPY's files) and its run row.
    for (const sql of input.Sqls) {
      for (const m of sql.matchAll(/select '(star\/[^']+)', '([^']+)'/g)) {
        const [, key, runId] = m;
        if (key && runId) ledgerKeys.set(runId, [...(ledgerKeys.get(runId) ?? []), key]);
      }
      const run = /^insert into "etl"\."load_runs" .*? select '([^']+)'/.exec(sql)?.[1];
      if (run) finishedRuns.add(run);
    }
    return { Id: `b-${++batches}` };
  });
  redshift
    .on(ExecuteStatementCommand)
    .callsFake((input: { Sql: string; Parameters?: { name: string; value: string }[] }) => {
      const id = `q-${++queries}`;
      const runId = input.Parameters?.find((p) => p.name === "run_id")?.value ?? "";
      if (input.Sql === loadedKeysOfRunSql())
        results.set(
          id,
          (ledgerKeys.get(runId) ?? []).map((key) => ({ key })),
        );
      else if (input.Sql === runStatusOfSql())
        results.set(id, finishedRuns.has(runId) ? [{ status: "FINISHED" }] : []);
      else if (input.Sql === EXISTING_COLUMNS_SQL) results.set(id, catalog);
      else if (input.Sql === writtenOfRunSql()) results.set(id, [{ inserted: 0, updated: 0 }]);
      return { Id: id };
    });
  redshift
    .on(DescribeStatementCommand)
    .callsFake((input: { Id: string }) => ({ Id: input.Id, Status: "FINISHED" }));
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
  const sleep = async () => {};
  const warehouse = createRedshiftWarehouse({
    api,
    statements: createStatementRunner({
      api,
      serializationRetries: 2,
      retryDelayMs: () => 0,
      now: () => now,
      sleep,
    }),
    state: createMemoryStateStore({ clock }),
    store,
    schema: "warehouse",
    iamRoleArn: ROLE,
    clock,
    sleep,
    pollBudgetMs: 600_000,
    marginMs: 30_000,
    correlationId: () => "c0ffee00",
  });
  const deps = {
    store,
    bucket: BUCKET,
    warehouse,
    statements: warehouse,
    audit: createMemoryAuditLog({ clock }),
    alerter: createMemoryAlerter({ clock }),
    clock,
  };
  return { deps, store, clock, time: { remainingMs: () => 14 * 60_000 } };
}

type Harness = ReturnType<typeof harness>;

const batchSqls = () =>
  redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.Sqls ?? []);
const migrationBatches = Math.ceil(redshiftMigrationSql().length / 40);

/** The batch the warehouse must send for one table of a run (each table is one file here). */
function tableBatch(
  h: Harness,
  manifest: ProcessedRunManifest,
  table: StarTable,
  extra: Partial<TableBatchInput> = {},
) {
  const files = manifest.files.filter((f) => f.table === table);
  return tableBatchSql({
    schema: "warehouse",
    controlSchema: "etl",
    table,
    runId: manifest.runId,
    source: { uri: `s3://${BUCKET}/${files[0]?.key}`, manifest: false },
    iamRoleArn: ROLE,
    files: files.map((f) => ({ key: f.key, sha256: f.sha256, rows: f.rows })),
    loadedAt: h.clock(),
    ...extra,
  });
}

function runRow(h: Harness, manifest: ProcessedRunManifest) {
  return finishRunSql({
    controlSchema: "etl",
    runId: manifest.runId,
    target: "redshift",
    startedAt: h.clock(),
    finishedAt: h.clock(),
    files: manifest.files.length,
    rows: manifest.files.reduce((n, f) => n + f.rows, 0),
  });
}

/** Every table batch of a run, in load order, then its deletions (if any), then its run row. */
function expectedRun(h: Harness, manifest: ProcessedRunManifest): string[][] {
  const tables = STAR_TABLE_NAMES.filter((t) => manifest.files.some((f) => f.table === t));
  const deletions = redshiftDeletionStatements("warehouse", manifest.deletions ?? []);
  return [
    ...tables.map((t) => tableBatch(h, manifest, t)),
    ...(deletions.length > 0 ? [deletions] : []),
    runRow(h, manifest),
  ];
}

/** The rows of a table the run's files hold, read back from the Parquet the COPY reads. */
async function copiedRows(h: Harness, manifest: ProcessedRunManifest, table: StarTable) {
  const rows: Record<string, unknown>[] = [];
  for (const f of manifest.files.filter((x) => x.table === table)) {
    const bytes = await h.store.get(BUCKET, f.key);
    rows.push(...((await readParquet(bytes)) as Record<string, unknown>[]));
  }
  return rows;
}

/** The star rows of run 2 when order 3 changed (a fact-only run, with its dates). */
function changedOrder(): StarRows {
  const rows = starRowsOf({ salesOrders: [makeSalesOrder({ sales_order_id: 3, units_sold: 10 })] });
  return { dim_date: rows.dim_date ?? [], fact_sales_order: rows.fact_sales_order ?? [] };
}

interface Scenario {
  name: string;
  /** Run 2, as the transform writes it for the scenario (run 1 is the first full load). */
  run2?: { rows: StarRows; options: PutRunOptions };
  /** What the scenario must leave in the statements of run 2, beyond being exactly `expectedRun`. */
  check?: (sqls: string[][], h: Harness, manifest: ProcessedRunManifest) => Promise<void> | void;
}

const deletions: StarDeletion[] = [
  { table: "fact_sales_order", keys: [2], deletedAt: DELETED_AT },
  { table: "dim_staff", keys: [1], deletedAt: DELETED_AT },
  { table: "fact_payment", keys: [5], deletedAt: DELETED_AT },
];

const SCENARIOS: Scenario[] = [
  {
    // The transform ignores the declared column: the run's star files are those of a source without it.
    name: "a column added (sales_order.discount_rate): the run loads its changed order, the new column in no statement",
    run2: { rows: changedOrder(), options: { previousRunId: RUN_1 } },
    check: (sqls) => expect(JSON.stringify(sqls)).not.toContain("discount_rate"),
  },
  {
    // The ingest refused the run before writing: the next run after the fix follows run 1 directly.
    name: "a column dropped or retyped, then fixed: the run after the fix loads right after run 1, nothing lost",
    run2: { rows: changedOrder(), options: { previousRunId: RUN_1 } },
  },
  {
    // A new source table is reported, not ingested: nothing of it reaches the star.
    name: "a new source table: the run's statements name only star tables",
    run2: { rows: changedOrder(), options: { previousRunId: RUN_1 } },
    check: (sqls) => {
      const named = new Set(
        [
          ...sqls
            .flat()
            .join("\n")
            .matchAll(/"warehouse"\."(\w+)"/g),
        ].map((m) => m[1]),
      );
      for (const table of named)
        expect([...STAR_TABLE_NAMES, ...STAR_TABLE_NAMES.map((t) => `stg_${t}`)]).toContain(table);
    },
  },
  {
    name: "a deleted order, staff member and payment: one deletion batch, dimensions first, before the run row",
    run2: { rows: {}, options: { previousRunId: RUN_1, deletions } },
    check: (sqls) => {
      const batch = sqls.at(-2) ?? [];
      expect(batch).toHaveLength(3);
      expect(batch[0]).toMatch(/^update "warehouse"\."dim_staff" set "is_deleted" = true/);
      expect(batch[0]).toContain(`"staff_id" in (1)`);
      expect(batch[1]).toMatch(/^insert into "warehouse"\."fact_sales_order"/);
      expect(batch[1]).toContain(`"sales_order_id" in (2)`);
      expect(batch[1]).toContain(`'${DELETED_AT}'`);
      expect(batch[2]).toMatch(/^insert into "warehouse"\."fact_payment"/);
      expect(batch[2]).toContain(`"payment_id" in (5)`);
    },
  },
  {
    name: "deleted orders in a run with changed rows: the tables first, then the deletion",
    run2: {
      rows: changedOrder(),
      options: {
        previousRunId: RUN_1,
        deletions: [{ table: "fact_sales_order", keys: [1, 2], deletedAt: DELETED_AT }],
      },
    },
    check: (sqls) => expect(sqls.at(-2)?.[0]).toContain(`"sales_order_id" in (1, 2)`),
  },
  {
    name: "a bad row in a fact: the held order is in no file the COPY reads and in no statement",
    run2: { rows: changedOrder(), options: { previousRunId: RUN_1, held: "sales_order" } },
    check: async (sqls, h, manifest) => {
      expect(JSON.stringify(sqls)).not.toContain("quarantine/");
      const ids = (await copiedRows(h, manifest, "fact_sales_order")).map((r) => r.sales_order_id);
      expect(ids).toEqual([3]);
    },
  },
  {
    // The counterparty is held with the order that references it: the run's files have neither.
    name: "a bad row in a dimension: the held counterparty and its order are in no file and in no statement",
    run2: {
      rows: { dim_date: changedOrder().dim_date ?? [] },
      options: { previousRunId: RUN_1, held: "counterparty" },
    },
    check: async (sqls, _h, manifest) => {
      expect(manifest.files.map((f) => f.table)).toEqual(["dim_date"]);
      expect(JSON.stringify(sqls)).not.toContain("quarantine/");
      expect(JSON.stringify(sqls)).not.toContain("dim_counterparty");
      expect(JSON.stringify(sqls)).not.toContain("fact_sales_order");
    },
  },
];

beforeEach(() => {
  redshift.reset();
});

describe("source-change scenarios on the Redshift path (mocked Data API)", () => {
  it.each(SCENARIOS)("$name", async (scenario) => {
    const h = harness();
    await putProcessedRun(h.store, BUCKET, RUN_1, starRowsOf(), { previousRunId: null });
    expect(await runLoad({ runId: RUN_1 }, h.deps, h.time)).toMatchObject({ status: "loaded" });
    const before = batchSqls().length;
    const manifest = await putProcessedRun(
      h.store,
      BUCKET,
      RUN_2,
      scenario.run2?.rows ?? {},
      scenario.run2?.options,
    );

    const outcome = await runLoad({ runId: RUN_2 }, h.deps, h.time);

    expect(outcome).toMatchObject({ status: "loaded" });
    const sqls = batchSqls().slice(before);
    expect(sqls).toEqual(expectedRun(h, manifest));
    await scenario.check?.(sqls, h, manifest);
  });

  it("a warehouse of the previous release gets the additive columns once, before run 1's first table", async () => {
    const h = harness({ catalogHasAdditiveColumns: false });
    const manifest = await putProcessedRun(h.store, BUCKET, RUN_1, starRowsOf(), { previousRunId: null });

    await runLoad({ runId: RUN_1 }, h.deps, h.time);

    const sqls = batchSqls();
    expect(sqls[migrationBatches]).toEqual(redshiftAdditiveColumns().map(addColumnSql));
    expect(sqls.slice(migrationBatches + 1)).toEqual(expectedRun(h, manifest));
  });

  it("a retry after the fix: the retry run's rows load once, and a redelivery of it sends nothing", async () => {
    const h = harness();
    await putProcessedRun(h.store, BUCKET, RUN_1, starRowsOf(), { previousRunId: null, held: "sales_order" });
    await runLoad({ runId: RUN_1 }, h.deps, h.time);
    // `etl quarantine retry` makes a new run of the held rows, now valid, after run 1.
    const retry = await putProcessedRun(h.store, BUCKET, RUN_2, changedOrder(), { previousRunId: RUN_1 });
    const before = batchSqls().length;

    const first = await runLoad({ runId: RUN_2 }, h.deps, h.time);
    const again = await runLoad({ runId: RUN_2 }, h.deps, h.time);

    expect(first).toMatchObject({ status: "loaded", rows: retry.files.reduce((n, f) => n + f.rows, 0) });
    expect(again).toMatchObject({ status: "skipped" });
    expect(batchSqls().slice(before)).toEqual(expectedRun(h, retry));
    expect((await copiedRows(h, retry, "fact_sales_order")).map((r) => r.sales_order_id)).toEqual([3]);
  });
});
