import type { Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { RawRunManifestSchema, SOURCE_COLUMN_TYPES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { type IngestDeps, KEY_SET_NAMESPACE, runIngest } from "./run-ingest";

const SETTINGS = {
  bucket: "ingest",
  safetyLagSeconds: 60,
  partMaxBytes: 1024 * 1024,
  tables: ["currency"] as const,
};

/**
 * Deps whose source holds the currencies `source.keys`; the snapshot streams the rows
 * `source.changed` as changed since the watermark. Each snapshot is one minute later.
 */
function setup() {
  const source = { keys: [] as number[], changed: [] as number[] };
  const store = createMemoryObjectStore();
  const state = createMemoryStateStore();
  let minute = 0;
  const end = (sink: Writable) =>
    new Promise<void>((resolve, reject) =>
      sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
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
          for (const id of source.changed)
            sink.write(`${JSON.stringify({ currency_id: id, currency_code: "GBP" })}\n`);
          await end(sink);
        },
        estimateRows: async () => 0,
        exportSnapshot: async () => "00000003-0000001B-1",
        async streamKeys(_table: string, sink: Writable) {
          for (const id of source.keys) sink.write(`${id}\n`);
          await end(sink);
        },
        async describeColumns() {
          return Object.entries(SOURCE_COLUMN_TYPES.currency).map(([column, type]) => ({
            table: "currency",
            column,
            type,
          }));
        },
        close: async () => undefined,
        release: async () => undefined,
      };
    },
  };
  const manifestOf = (key: string | undefined) =>
    RawRunManifestSchema.parse(
      JSON.parse(Buffer.from(store.objects("ingest").find((o) => o.key === key)?.body ?? "{}").toString()),
    );
  const linesOf = (key: string | undefined) =>
    gunzipSync(store.objects("ingest").find((o) => o.key === key)?.body ?? new Uint8Array())
      .toString()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  return { deps, source, store, state, manifestOf, linesOf };
}

describe("runIngest detects hard deletes by comparing key sets", () => {
  it("declares nothing on the first run, and records the key set once the manifest exists", async () => {
    const { deps, source, state, manifestOf } = setup();
    source.keys = [1, 2, 3];
    source.changed = [1, 2, 3];

    const first = await runIngest(SETTINGS, deps);

    expect(manifestOf(first.manifestKey).deletions).toBeUndefined();
    expect((await state.getRecord(KEY_SET_NAMESPACE, "currency"))?.data).toMatchObject({
      runId: first.runId,
      key: `keys/currency/${first.runId}.keys.gz`,
      rows: 3,
    });
  });

  it("declares the rows deleted since the run before, in a file of keys and a manifest entry", async () => {
    const { deps, source, manifestOf, linesOf } = setup();
    source.keys = [1, 2, 3, 4];
    source.changed = [1, 2, 3, 4];
    const first = await runIngest(SETTINGS, deps);
    source.keys = [2, 4, 5];
    source.changed = [5];

    const second = await runIngest(SETTINGS, deps);

    const manifest = manifestOf(second.manifestKey);
    expect(manifest.tables.map((t) => [t.table, t.rows])).toEqual([["currency", 1]]);
    expect(manifest.deletions).toEqual([
      {
        table: "currency",
        file: expect.objectContaining({
          key: `raw/currency/2024/01/01/${second.runId}-deleted.jsonl.gz`,
          rows: 2,
        }),
        detectedAt: "2024-01-01 00:02:00.000000",
        previousRunId: first.runId,
      },
    ]);
    expect(linesOf(manifest.deletions?.[0]?.file.key)).toEqual([{ currency_id: 1 }, { currency_id: 3 }]);
    expect(second.deleted).toBe(2);
  });

  it("writes a valid run whose only change is a deletion, and moves the watermarks", async () => {
    const { deps, source, state, manifestOf } = setup();
    source.keys = [1, 2];
    source.changed = [1, 2];
    await runIngest(SETTINGS, deps);
    source.keys = [2];
    source.changed = [];

    const second = await runIngest(SETTINGS, deps);

    const manifest = manifestOf(second.manifestKey);
    expect(manifest.tables).toEqual([]);
    expect(manifest.deletions?.map((d) => [d.table, d.file.rows])).toEqual([["currency", 1]]);
    expect((await state.getRecord(KEY_SET_NAMESPACE, "currency"))?.data).toMatchObject({
      runId: second.runId,
      rows: 1,
    });
  });

  it("a run with neither changes nor deletions writes nothing and keeps the key set where it was", async () => {
    const { deps, source, state, store } = setup();
    source.keys = [1];
    source.changed = [1];
    const first = await runIngest(SETTINGS, deps);
    const objects = store.objects("ingest").length;
    source.changed = [];

    const second = await runIngest(SETTINGS, deps);

    expect(second.manifestKey).toBeUndefined();
    expect(store.objects("ingest")).toHaveLength(objects);
    expect((await state.getRecord(KEY_SET_NAMESPACE, "currency"))?.data).toMatchObject({
      runId: first.runId,
    });
  });

  it("declares a deletion again when the run that declared it did not record its key set", async () => {
    const { deps, source, state, manifestOf } = setup();
    source.keys = [1, 2];
    source.changed = [1, 2];
    const first = await runIngest(SETTINGS, deps);
    source.keys = [2];
    source.changed = [];
    const failingState = {
      ...state,
      putRecord: async () => {
        throw new Error("state table unavailable");
      },
    };
    await expect(runIngest(SETTINGS, { ...deps, state: failingState })).rejects.toThrow(
      "state table unavailable",
    );

    const third = await runIngest(SETTINGS, deps);

    expect(manifestOf(third.manifestKey).deletions).toEqual([
      expect.objectContaining({ previousRunId: first.runId, file: expect.objectContaining({ rows: 1 }) }),
    ]);
  });
});
