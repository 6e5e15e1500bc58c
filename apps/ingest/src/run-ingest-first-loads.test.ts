import type { Writable } from "node:stream";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { RawRunManifestSchema, SOURCE_COLUMN_TYPES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { FIRST_LOAD_NAMESPACE, type IngestDeps, KEY_SET_NAMESPACE, runIngest } from "./run-ingest";

/** A run may read 40 rows of first snapshots. */
const SETTINGS = {
  bucket: "ingest",
  safetyLagSeconds: 60,
  partMaxBytes: 1024 * 1024,
  tables: ["currency"] as const,
  budget: { seconds: 2, rowsPerSecond: 20 },
};

/**
 * Deps whose source holds currencies 1..`keys`; `stale` lists the keys whose row changed after
 * the first range's bound (a range leaves them to the runs after the first load). Each
 * snapshot is one minute later.
 */
function setup(keys: number, stale: number[] = []) {
  const store = createMemoryObjectStore();
  const state = createMemoryStateStore();
  let minute = 0;
  const end = (sink: Writable) =>
    new Promise<void>((resolve, reject) =>
      sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  const ranges: string[] = [];
  const deps: IngestDeps = {
    store,
    state,
    audit: createMemoryAuditLog(),
    alerter: createMemoryAlerter(),
    clock: () => new Date("2024-01-01T00:30:00.000Z"),
    async openSnapshot() {
      minute += 1;
      const at = `2024-01-01 00:${String(minute).padStart(2, "0")}:00.000000`;
      return {
        databaseTime: at,
        upperBound: at,
        sees: "all-sessions",
        async streamTable(_table: string, _from: string | null, sink: Writable) {
          await end(sink);
        },
        estimateRows: async () => keys,
        exportSnapshot: async () => "00000003-0000001B-1",
        async streamKeys(_table: string, sink: Writable) {
          for (let id = 1; id <= keys; id++) sink.write(`${id}\n`);
          await end(sink);
        },
        async describeColumns() {
          return Object.entries(SOURCE_COLUMN_TYPES.currency).map(([column, type]) => ({
            table: "currency",
            column,
            type,
          }));
        },
        async rangeEnd(_table: string, after: number | null, rows: number) {
          const first = (after ?? 0) + 1;
          if (first > keys) return { upTo: null, keys: 0, last: true };
          const upTo = Math.min(keys, first + rows - 1);
          return { upTo, keys: upTo - first + 1, last: upTo === keys };
        },
        async streamRange(
          _table: string,
          range: { after: number | null; upTo: number; bound: string },
          sink: Writable,
        ) {
          ranges.push(`${range.after}..${range.upTo} <= ${range.bound}`);
          for (let id = (range.after ?? 0) + 1; id <= range.upTo; id++)
            if (!stale.includes(id))
              sink.write(`${JSON.stringify({ currency_id: id, currency_code: "GBP" })}\n`);
          await end(sink);
        },
        close: async () => undefined,
        release: async () => undefined,
      };
    },
  };
  return { deps, store, state, ranges };
}

describe("runIngest with a first snapshot larger than its budget", () => {
  it("reads it in key ranges, run by run, and moves the watermark to the first range's bound at the end", async () => {
    const { deps, store, state, ranges } = setup(100);

    const first = await runIngest(SETTINGS, deps);
    const second = await runIngest(SETTINGS, deps);
    const third = await runIngest(SETTINGS, deps);

    expect(ranges).toEqual([
      "null..40 <= 2024-01-01 00:01:00.000000",
      "40..80 <= 2024-01-01 00:01:00.000000",
      "80..100 <= 2024-01-01 00:01:00.000000",
    ]);
    expect([first.rows, second.rows, third.rows]).toEqual([40, 40, 20]);
    expect(first.firstLoadsPending).toEqual([{ table: "currency", lastKey: 40 }]);
    expect(third.firstLoadsPending).toBeUndefined();
    const manifest = RawRunManifestSchema.parse(
      JSON.parse(Buffer.from(await store.get("ingest", third.manifestKey ?? "")).toString("utf8")),
    );
    expect(manifest.tables[0]?.keyRange).toEqual({ after: 80, upTo: 100, last: true });
    expect(manifest.tables[0]?.watermark).toEqual({ from: null, to: "2024-01-01 00:01:00.000000" });
    expect(await state.getWatermarks(["watermark#currency"])).toEqual({
      "watermark#currency": "2024-01-01 00:01:00.000000",
    });
    expect(await state.getRecord(FIRST_LOAD_NAMESPACE, "currency")).toBeUndefined();
    // The key set is the one recorded when the first load started.
    expect((await state.getRecord(KEY_SET_NAMESPACE, "currency"))?.data).toMatchObject({
      runId: first.runId,
    });
  });

  it("keeps the watermark unset until the last range", async () => {
    const { deps, state } = setup(100);
    await runIngest(SETTINGS, deps);
    await runIngest(SETTINGS, deps);
    expect(await state.getWatermarks(["watermark#currency"])).toEqual({ "watermark#currency": null });
  });

  it("moves the cursor and records the key set even when a range holds no row older than its bound", async () => {
    const stale = Array.from({ length: 40 }, (_, i) => i + 1);
    const { deps, state, store } = setup(100, stale);

    const first = await runIngest(SETTINGS, deps);

    expect(first.rows).toBe(0);
    expect(first.manifestKey).toBeUndefined();
    const manifests: string[] = [];
    for await (const o of store.list("ingest", "runs/")) manifests.push(o.key);
    expect(manifests).toEqual([]);
    expect((await state.getRecord(FIRST_LOAD_NAMESPACE, "currency"))?.data).toMatchObject({ lastKey: 40 });
    expect((await state.getRecord(KEY_SET_NAMESPACE, "currency"))?.data).toMatchObject({
      runId: first.runId,
    });
  });
});
