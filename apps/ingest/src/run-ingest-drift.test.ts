import type { Writable } from "node:stream";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import {
  type CatalogColumn,
  RawRunManifestSchema,
  SCHEMA_DRIFT_NAMESPACE,
  SOURCE_COLUMN_TYPES,
} from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { type IngestDeps, runIngest } from "./run-ingest";

const SETTINGS = {
  bucket: "ingest",
  safetyLagSeconds: 60,
  partMaxBytes: 1024 * 1024,
  tables: ["currency"] as const,
};

const CONTRACT: CatalogColumn[] = Object.entries(SOURCE_COLUMN_TYPES.currency).map(([column, type]) => ({
  table: "currency",
  column,
  type,
}));

/** Deps whose source has the catalog `catalog` and one changed currency row; counts the tables read. */
function setup(catalog: () => CatalogColumn[]) {
  const store = createMemoryObjectStore();
  const audit = createMemoryAuditLog();
  const alerter = createMemoryAlerter();
  const state = createMemoryStateStore();
  const streamed: string[] = [];
  let minute = 0;
  const deps: IngestDeps = {
    store,
    state,
    audit,
    alerter,
    clock: () => new Date("2024-01-01T00:30:00.000Z"),
    async openSnapshot() {
      minute += 1;
      const upperBound = `2024-01-01 00:${String(minute).padStart(2, "0")}:00.000000`;
      return {
        databaseTime: upperBound,
        upperBound,
        sees: "all-sessions",
        async streamTable(table: string, _from: string | null, sink: Writable) {
          streamed.push(table);
          const row = { currency_id: minute, currency_code: "GBP", discount_rate: "0.10" };
          sink.write(`${JSON.stringify(row)}\n`);
          await new Promise<void>((resolve, reject) =>
            sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
        },
        describeColumns: async () => catalog(),
        estimateRows: async () => 0,
        async streamKeys(_table: string, sink: Writable) {
          await new Promise<void>((resolve, reject) =>
            sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
        },
        close: async () => undefined,
        exportSnapshot: async () => "00000003-0000001B-1",
        release: async () => undefined,
      };
    },
  };
  return { deps, store, audit, alerter, state, streamed };
}

describe("runIngest checks the source schema against the contract", () => {
  it("runs on with an added column, declares it in the manifest, records and alerts it once", async () => {
    const catalog = [...CONTRACT, { table: "currency", column: "discount_rate", type: "numeric" }];
    const { deps, store, alerter, state } = setup(() => catalog);

    const first = await runIngest(SETTINGS, deps);
    const second = await runIngest(SETTINGS, deps);

    const manifest = RawRunManifestSchema.parse(
      JSON.parse(
        Buffer.from(
          store.objects("ingest").find((o) => o.key === first.manifestKey)?.body ?? "{}",
        ).toString(),
      ),
    );
    expect(manifest.tables[0]?.addedColumns).toEqual([{ name: "discount_rate", type: "numeric" }]);
    expect(second.manifestKey).toBeDefined();
    expect(alerter.sent.map((a) => a.alert.subject)).toEqual(["new column currency.discount_rate, ignored"]);
    expect((await state.listRecords(SCHEMA_DRIFT_NAMESPACE)).map((r) => [r.id, r.data])).toEqual([
      [
        "column#currency#discount_rate#numeric",
        {
          kind: "added-column",
          table: "currency",
          column: "discount_rate",
          type: "numeric",
          firstSeenRunId: first.runId,
          firstSeenAt: "2024-01-01T00:30:00.000Z",
        },
      ],
    ]);
  });

  it("alerts an added column again when its type changes", async () => {
    let type = "numeric";
    const { deps, alerter } = setup(() => [
      ...CONTRACT,
      { table: "currency", column: "discount_rate", type },
    ]);

    await runIngest(SETTINGS, deps);
    type = "integer";
    await runIngest(SETTINGS, deps);

    expect(alerter.sent).toHaveLength(2);
  });

  it("reports a new source table once and does not read it", async () => {
    const { deps, alerter, state, streamed } = setup(() => [
      ...CONTRACT,
      { table: "refund", column: "refund_id", type: "integer" },
    ]);

    await runIngest(SETTINGS, deps);
    await runIngest(SETTINGS, deps);

    expect(streamed).toEqual(["currency", "currency"]);
    expect(alerter.sent.map((a) => a.alert.subject)).toEqual(["new source table refund, not ingested"]);
    expect((await state.listRecords(SCHEMA_DRIFT_NAMESPACE)).map((r) => r.id)).toEqual(["table#refund"]);
  });

  it.each([
    [
      "dropped",
      CONTRACT.filter((c) => c.column !== "currency_code"),
      "currency.currency_code (character varying) is gone",
    ],
    [
      "retyped",
      CONTRACT.map((c) => (c.column === "currency_code" ? { ...c, type: "integer" } : c)),
      "currency.currency_code changed type from character varying to integer",
    ],
  ])(
    "refuses a run whose contract column was %s, before writing anything, with one alert",
    async (_kind, catalog, names) => {
      const { deps, store, alerter, audit, state, streamed } = setup(() => catalog);

      const run = runIngest(SETTINGS, deps);

      await expect(run).rejects.toMatchObject({ code: "SCHEMA_DRIFT", retryable: false });
      expect(streamed).toEqual([]);
      expect(store.objects("ingest")).toEqual([]);
      expect(await state.getWatermarks(["watermark#currency"])).toEqual({ "watermark#currency": null });
      expect(alerter.sent).toHaveLength(1);
      expect(alerter.sent[0]?.alert).toMatchObject({
        table: "currency",
        subject: "failed, no retry (SCHEMA_DRIFT)",
      });
      expect(audit.failures[0]?.error).toContain(names);
      expect(audit.failures[0]?.error).toContain("Restore the column");
    },
  );

  it("after the column is restored, the next run reads everything since the last good run", async () => {
    let catalog = CONTRACT.filter((c) => c.column !== "currency_code");
    const { deps, state } = setup(() => catalog);
    await expect(runIngest(SETTINGS, deps)).rejects.toThrow();

    catalog = CONTRACT;
    const result = await runIngest(SETTINGS, deps);

    expect(result.tables[0]?.rows).toBe(1);
    expect(await state.getWatermarks(["watermark#currency"])).toEqual({
      "watermark#currency": "2024-01-01 00:02:00.000000",
    });
  });
});
