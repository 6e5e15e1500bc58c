import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { createMemoryStateStore } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { type QuarantinedRow, RawRunManifestSchema } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import {
  heldRowsOf,
  listHeldRuns,
  parseRunId,
  type QuarantineDeps,
  retryMarkerKey,
  retryQuarantine,
} from "./quarantine";

const RUN = "20240101T000000000Z-00000001";
const HELD_KEY = `quarantine/transform/${RUN}/rows-0a1b2c3d.jsonl`;
const WATERMARK = { from: null, to: "2024-01-01 00:00:00.000000" };

const held = (
  table: "currency" | "sales_order" | "staff",
  lineNumber: number,
  line: string,
): QuarantinedRow => ({
  schemaVersion: 1,
  runId: RUN,
  table,
  key: `raw/${table}/2024/01/01/${RUN}-0001.jsonl.gz`,
  lineNumber,
  line,
  reason: "bad",
  code: "BAD_RAW_ROW",
});

async function setup(rows: QuarantinedRow[]) {
  const store = createMemoryObjectStore();
  const state = createMemoryStateStore();
  await state.nextSequence("ingest-run");
  const body = rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  await store.put("processed", HELD_KEY, body);
  const sha256 = createHash("sha256").update(body).digest("hex");
  const file = { key: "k", rows: 1, bytes: 1, sha256: "a".repeat(64) };
  await store.put(
    "processed",
    `runs/${RUN}.json`,
    JSON.stringify({
      schemaVersion: 1,
      kind: "processed",
      runId: RUN,
      sequence: 1,
      createdAt: "2024-01-01T00:00:00.000Z",
      source: { bucket: "ingest", key: `runs/${RUN}.json` },
      files: [],
      state: {},
      quarantine: { key: HELD_KEY, rows: rows.length, bytes: Buffer.byteLength(body), sha256 },
      counts: [
        { table: "currency", read: 2, transformed: 1, quarantined: 1, deleted: 0 },
        { table: "sales_order", read: 3, transformed: 1, quarantined: 2, deleted: 0 },
      ],
    }),
  );
  await store.put(
    "ingest",
    `runs/${RUN}.json`,
    JSON.stringify({
      schemaVersion: 1,
      kind: "raw",
      runId: RUN,
      sequence: 1,
      createdAt: "2024-01-01T00:00:00.000Z",
      snapshot: {
        databaseTime: "2024-01-01 00:00:00",
        upperBound: "2024-01-01 00:00:00",
        safetyLagSeconds: 0,
      },
      tables: [
        { table: "currency", files: [file], rows: 1, bytes: 1, watermark: WATERMARK },
        {
          table: "sales_order",
          files: [file],
          rows: 1,
          bytes: 1,
          watermark: WATERMARK,
          addedColumns: [{ name: "discount_rate", type: "numeric" }],
        },
      ],
    }),
  );
  const deps: QuarantineDeps = {
    store,
    state,
    ingestBucket: "ingest",
    processedBucket: "processed",
    clock: () => new Date("2024-01-02T00:00:00.000Z"),
  };
  return { deps, store };
}

const ROWS = [
  held("sales_order", 3, '{"sales_order_id":3,"units_sold":"many"}'),
  held("currency", 2, '{"currency_id":2,"currency_code":"XYZ"}'),
  held("sales_order", 1, ""),
];

describe("retryQuarantine", () => {
  it("writes a new run of exactly the held lines, in file and line order, with the original's watermarks and declared columns", async () => {
    const { deps, store } = await setup(ROWS);

    const result = await retryQuarantine(deps, RUN);

    expect(result).toMatchObject({ status: "started", retryRunId: "20240102T000000000Z-00000002", rows: 3 });
    const manifest = RawRunManifestSchema.parse(
      JSON.parse(store.text("ingest", "runs/20240102T000000000Z-00000002.json") ?? ""),
    );
    expect(manifest.retryOf).toBe(RUN);
    expect(manifest.tables.map((t) => [t.table, t.rows, t.watermark, t.addedColumns])).toEqual([
      ["currency", 1, WATERMARK, undefined],
      ["sales_order", 2, WATERMARK, [{ name: "discount_rate", type: "numeric" }]],
    ]);
    const lines = async (key: string) => gunzipSync(await store.get("ingest", key)).toString("utf8");
    expect(await lines(manifest.tables[1]?.files[0]?.key ?? "")).toBe(
      '\n{"sales_order_id":3,"units_sold":"many"}\n',
    );
    expect(await lines(manifest.tables[0]?.files[0]?.key ?? "")).toBe(
      '{"currency_id":2,"currency_code":"XYZ"}\n',
    );
  });

  it("starts the held rows once, however often and however concurrently it is asked", async () => {
    const { deps } = await setup(ROWS);

    const results = await Promise.all([retryQuarantine(deps, RUN), retryQuarantine(deps, RUN)]);
    const later = await retryQuarantine(deps, RUN);

    expect(results.map((r) => r.status).sort()).toEqual(["already", "started"]);
    expect(new Set(results.map((r) => r.retryRunId)).size).toBe(1);
    expect(later).toMatchObject({ status: "already", retryRunId: results[0]?.retryRunId });
    expect((await listHeldRuns(deps)).map((r) => r.retried?.retryRunId)).toEqual([results[0]?.retryRunId]);
  });

  it("finishes the run a retry that stopped half-way had claimed", async () => {
    const { deps, store } = await setup(ROWS);
    const claimed = "20240101T120000000Z-00000009";
    await store.put(
      "processed",
      retryMarkerKey(RUN),
      JSON.stringify({
        schemaVersion: 1,
        runId: RUN,
        retryRunId: claimed,
        rows: 3,
        at: "2024-01-01T12:00:00.000Z",
      }),
    );

    const result = await retryQuarantine(deps, RUN);

    expect(result).toMatchObject({ status: "started", retryRunId: claimed });
    expect(store.text("ingest", `runs/${claimed}.json`)).toBeDefined();
  });

  it("refuses a run that held nothing, and a quarantine object that differs from its manifest", async () => {
    const { deps, store } = await setup(ROWS);
    await store.put("processed", HELD_KEY, "tampered\n");

    await expect(heldRowsOf(deps, RUN)).rejects.toThrow("differs from what run");
    await expect(retryQuarantine(deps, "20240101T000000000Z-00000007")).rejects.toThrow("is not transformed");
  });

  it("refuses held rows of a table the run never read, and a value that is not a run id", async () => {
    const { deps } = await setup([...ROWS, held("staff", 1, '{"staff_id":1}')]);

    await expect(retryQuarantine(deps, RUN)).rejects.toThrow(
      `run ${RUN} read no staff, yet holds rows of it`,
    );
    expect(() => parseRunId("latest")).toThrow('"latest" is not a run id; `etl quarantine list` lists them');
  });

  it("lists the runs that held rows, with their rows per table", async () => {
    const { deps } = await setup(ROWS);

    expect(await listHeldRuns(deps)).toEqual([
      { runId: RUN, rows: 3, tables: { currency: 1, sales_order: 2 } },
    ]);
  });
});
