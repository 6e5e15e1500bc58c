import type { Writable } from "node:stream";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { DataError, SOURCE_COLUMN_TYPES, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { type IngestDeps, runIngest } from "./run-ingest";

const SETTINGS = {
  bucket: "ingest",
  safetyLagSeconds: 60,
  partMaxBytes: 1024 * 1024,
  tables: ["currency"] as const,
};

/** Deps whose snapshot streams `rows` currency rows, or fails reading with `failure`. */
function setup(options: { rows?: number; failure?: Error } = {}) {
  const store = createMemoryObjectStore();
  const audit = createMemoryAuditLog();
  const alerter = createMemoryAlerter();
  const state = createMemoryStateStore();
  const deps: IngestDeps = {
    store,
    state,
    audit,
    alerter,
    clock: () => new Date("2024-01-01T00:30:00.000Z"),
    async openSnapshot() {
      return {
        databaseTime: "2024-01-01 00:30:00.000000",
        upperBound: "2024-01-01 00:29:00.000000",
        sees: "all-sessions",
        async streamTable(_table: string, _from: string | null, sink: Writable) {
          if (options.failure) throw options.failure;
          for (let id = 1; id <= (options.rows ?? 0); id += 1)
            sink.write(`${JSON.stringify({ currency_id: id, currency_code: "GBP" })}\n`);
          await new Promise<void>((resolve, reject) =>
            sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
        },
        async describeColumns() {
          return Object.entries(SOURCE_COLUMN_TYPES.currency).map(([column, type]) => ({
            table: "currency",
            column,
            type,
          }));
        },
        close: async () => undefined,
        exportSnapshot: async () => "00000003-0000001B-1",
        release: async () => undefined,
      };
    },
  };
  return { deps, store, audit, alerter, state };
}

describe("runIngest reports its outcome by the outcome policy", () => {
  it("audits a run that changed nothing, and reports nothing else", async () => {
    const { deps, audit, alerter } = setup();

    const result = await runIngest(SETTINGS, deps);

    expect(result.rows).toBe(0);
    expect(audit.items.map((i) => [i.key, i.status])).toEqual([["-", "FINISHED"]]);
    expect(audit.failures).toEqual([]);
    expect(alerter.sent).toEqual([]);
  });

  it.each([
    ["retryable", new TransientError("connection terminated"), true, "failing, will retry (TRANSIENT)"],
    [
      "permanent",
      new DataError("no column currency_code", { code: "MISSING_COLUMN" }),
      false,
      "failed, no retry (MISSING_COLUMN)",
    ],
  ])(
    "a %s failure is audited, recorded and alerted, naming the table, and thrown",
    async (_kind, failure, retryable, subject) => {
      const { deps, audit, alerter } = setup({ failure });

      const run = runIngest(SETTINGS, deps);

      await expect(run).rejects.toBe(failure);
      expect(audit.items.map((i) => [i.key, i.status, i.table])).toEqual([["-", "FAILED", "currency"]]);
      expect(audit.failures).toEqual([
        expect.objectContaining({ stage: "ingest", table: "currency", retryable, error: failure.message }),
      ]);
      expect(alerter.sent.map((a) => [a.alert.table, a.alert.subject])).toEqual([["currency", subject]]);
    },
  );
});
