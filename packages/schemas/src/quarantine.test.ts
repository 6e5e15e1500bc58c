import { describe, expect, it } from "vitest";
import { ProcessedRunManifestSchema } from "./manifest";
import { countMismatches, QuarantinedRowSchema, reconcileRun, type TableCounts } from "./quarantine";

const counts = (table: TableCounts["table"], read: number, transformed: number, quarantined: number) => ({
  table,
  read,
  transformed,
  quarantined,
  deleted: 0,
});

describe("reconcileRun", () => {
  it("finds nothing wrong when every line is transformed or held and every file row is loaded", () => {
    const run = {
      counts: [counts("sales_order", 5, 4, 1), counts("currency", 3, 2, 1)],
      files: [
        { table: "fact_sales_order", rows: 4 },
        { table: "dim_currency", rows: 2 },
      ],
      loaded: new Map([
        ["fact_sales_order", 4],
        ["dim_currency", 2],
      ]),
    };

    expect(reconcileRun(run)).toEqual([]);
  });

  it.each([
    [
      "a line neither transformed nor held",
      { counts: [counts("payment", 5, 3, 1)], files: [{ table: "fact_payment", rows: 3 }] },
      "payment: read 5, transformed 3 + quarantined 1",
    ],
    [
      "a fact that wrote fewer rows than it transformed",
      { counts: [counts("payment", 3, 3, 0)], files: [{ table: "fact_payment", rows: 2 }] },
      "payment: transformed 3, fact_payment files hold 2",
    ],
    [
      "a table that loaded fewer rows than its files hold",
      {
        counts: [counts("payment", 3, 3, 0)],
        files: [{ table: "fact_payment", rows: 3 }],
        loaded: new Map([["fact_payment", 1]]),
      },
      "fact_payment: files hold 3, loaded 1",
    ],
  ])("names %s", (_name, run, problem) => {
    expect(reconcileRun(run)).toEqual([problem]);
  });

  it("has nothing to check in a manifest from before counts", () => {
    expect(reconcileRun({ files: [{ table: "fact_payment", rows: 3 }] })).toEqual([]);
    expect(countMismatches([])).toEqual([]);
  });
});

describe("the manifests' quarantine fields", () => {
  const processed = {
    schemaVersion: 1,
    kind: "processed",
    runId: "20240101T000000000Z-00000001",
    sequence: 1,
    createdAt: "2024-01-01T00:00:00.000Z",
    source: { bucket: "ingest", key: "runs/20240101T000000000Z-00000001.json" },
    files: [],
    state: {},
  };

  it("parses a processed manifest without them, as older transforms wrote", () => {
    expect(ProcessedRunManifestSchema.safeParse(processed).success).toBe(true);
  });

  it("parses one with held rows and counts, and refuses a count that is not a count", () => {
    const held = {
      key: "quarantine/transform/x/rows-0a1b2c3d.jsonl",
      rows: 1,
      bytes: 10,
      sha256: "a".repeat(64),
    };

    const good = ProcessedRunManifestSchema.safeParse({
      ...processed,
      quarantine: held,
      counts: [counts("currency", 2, 1, 1)],
    });
    const bad = ProcessedRunManifestSchema.safeParse({
      ...processed,
      counts: [counts("currency", -1, 1, 1)],
    });

    expect(good.success).toBe(true);
    expect(bad.success).toBe(false);
  });

  it("keeps a held row's raw line as it is", () => {
    const row = {
      schemaVersion: 1,
      runId: "20240101T000000000Z-00000001",
      table: "currency",
      key: "raw/currency/x.jsonl.gz",
      lineNumber: 2,
      line: ' {"currency_id": 3}\r',
      reason: "unknown currency",
      code: "UNKNOWN_CURRENCY",
    };

    expect(QuarantinedRowSchema.parse(row).line).toBe(' {"currency_id": 3}\r');
  });
});
