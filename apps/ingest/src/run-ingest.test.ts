import type { Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import type { HeldBackBy } from "@etl/db/source";
import type { StageProgress } from "@etl/ops";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { DataError, RawRunManifestSchema, SOURCE_COLUMN_TYPES, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { type IngestDeps, runIngest } from "./run-ingest";

const SETTINGS = {
  bucket: "ingest",
  safetyLagSeconds: 60,
  partMaxBytes: 1024 * 1024,
  tables: ["currency"] as const,
};

/** Deps whose snapshot streams `rows` currency rows, or fails reading with `failure`. */
function setup(options: { rows?: number; failure?: Error; heldBackBy?: HeldBackBy } = {}) {
  const store = createMemoryObjectStore();
  const audit = createMemoryAuditLog();
  const alerter = createMemoryAlerter();
  const state = createMemoryStateStore();
  const estimates: { table: string; from: string | null }[] = [];
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
        ...(options.heldBackBy ? { heldBackBy: options.heldBackBy } : {}),
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
        async estimateRows(table: string, from: string | null) {
          estimates.push({ table, from });
          return 2_500;
        },
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
  return { deps, store, audit, alerter, state, estimates };
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

describe("runIngest warns about what holds its upper bound back", () => {
  it("names a prepared transaction by its gid, in the warning and in the manifest", async () => {
    const heldBackBy = { gid: "tx-invoice-7", since: "2024-01-01 00:10:00.000000", ageSeconds: 1200 };
    const { deps, store } = setup({ rows: 2, heldBackBy });
    const warnings: { message: string; details: Record<string, unknown> }[] = [];
    deps.logger = { warn: (message, details) => warnings.push({ message, details }) };

    const result = await runIngest(SETTINGS, deps);

    const manifest = RawRunManifestSchema.parse(
      JSON.parse(Buffer.from(await store.get("ingest", result.manifestKey ?? "")).toString("utf8")),
    );
    expect(manifest.snapshot.heldBackBy).toEqual({ gid: "tx-invoice-7", since: heldBackBy.since });
    expect(warnings).toEqual([
      {
        message: expect.stringContaining("an open transaction (prepared tx-invoice-7, open 1200 s)"),
        details: expect.objectContaining({ gid: "tx-invoice-7", ageSeconds: 1200 }),
      },
    ]);
    expect(warnings[0]?.details).not.toHaveProperty("pid");
  });

  it("stays quiet about a hold younger than the warning threshold", async () => {
    const heldBackBy = { pid: 4242, since: "2024-01-01 00:28:00.000000", ageSeconds: 120 };
    const { deps } = setup({ rows: 1, heldBackBy });
    const warnings: string[] = [];
    deps.logger = { warn: (message) => warnings.push(message) };

    await runIngest({ ...SETTINGS, holdWarningSeconds: 600 }, deps);

    expect(warnings).toEqual([]);
  });
});

describe("runIngest after the manifest is written", () => {
  it("fails, reported, when the watermark write fails for another reason than a lost race", async () => {
    const { deps, audit, alerter, state } = setup({ rows: 1 });
    const failure = new TransientError("DynamoDB throttled the write");
    deps.state = { ...state, advanceWatermarks: async () => Promise.reject(failure) };

    const run = runIngest(SETTINGS, deps);

    await expect(run).rejects.toBe(failure);
    expect(audit.failures).toEqual([expect.objectContaining({ stage: "ingest", retryable: true })]);
    expect(alerter.sent).toHaveLength(1);
    expect(await state.getWatermarks(["watermark#currency"])).toEqual({ "watermark#currency": null });
  });

  it("compresses the parts at the configured gzip level", async () => {
    const stored = setup({ rows: 200 });
    const squeezed = setup({ rows: 200 });

    const plain = await runIngest({ ...SETTINGS, gzipLevel: 0 }, stored.deps);
    const best = await runIngest({ ...SETTINGS, gzipLevel: 9 }, squeezed.deps);

    const [plainPart] = stored.store.objects("ingest").filter((o) => o.key.startsWith("raw/"));
    const [bestPart] = squeezed.store.objects("ingest").filter((o) => o.key.startsWith("raw/"));
    expect(
      gunzipSync(plainPart?.body ?? Buffer.alloc(0))
        .toString("utf8")
        .split("\n"),
    ).toHaveLength(201);
    expect(plain.tables[0]?.bytes).toBeGreaterThan(2 * (best.tables[0]?.bytes ?? 0));
    expect(bestPart?.body.length).toBe(best.tables[0]?.bytes);
  });
});

/** A progress port that records what it is told. */
function recordProgress() {
  const calls: (string | number | undefined)[][] = [];
  const progress: StageProgress = {
    tableStarted: (table, expected) => calls.push(["started", table, expected]),
    rows: (table, rows) => calls.push(["rows", table, rows]),
    tableFinished: (table, rows) => calls.push(["finished", table, rows]),
  };
  return { progress, calls };
}

describe("runIngest reports progress", () => {
  it("tells the port each table's estimate, its rows a batch at a time, and its end", async () => {
    const { deps, estimates } = setup({ rows: 3_000 });
    const { progress, calls } = recordProgress();

    await runIngest({ ...SETTINGS, progressBytes: 16 * 1024 }, { ...deps, progress });

    const rowCalls = calls.filter((c) => c[0] === "rows").map((c) => Number(c[2]));
    expect(calls[0]).toEqual(["started", "currency", 2_500]);
    expect(calls.at(-1)).toEqual(["finished", "currency", 3_000]);
    expect(estimates).toEqual([{ table: "currency", from: null }]);
    expect(rowCalls.length).toBeGreaterThan(1);
    expect(rowCalls.length).toBeLessThan(20);
    expect(rowCalls).toEqual([...rowCalls].sort((a, b) => a - b));
  });

  it("asks for no estimate when nothing listens (on Lambda)", async () => {
    const { deps, estimates } = setup({ rows: 10 });

    const result = await runIngest(SETTINGS, deps);

    expect(result.rows).toBe(10);
    expect(estimates).toEqual([]);
  });
});
