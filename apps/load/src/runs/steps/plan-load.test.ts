import type { ObjectInfo } from "@etl/s3-io";
import { DataError, type ProcessedRunManifest } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { planLoad } from "./plan-load";

const RUN = "20261123T141500123Z-00000001";
const sha = "a".repeat(64);

function manifest(files: ProcessedRunManifest["files"]): ProcessedRunManifest {
  return {
    schemaVersion: 1,
    kind: "processed",
    runId: RUN,
    sequence: 1,
    createdAt: "2026-11-23T14:16:00.000Z",
    source: { bucket: "etl-ingest", key: `runs/${RUN}.json` },
    files,
    state: {},
  };
}

const file = (table: ProcessedRunManifest["files"][number]["table"], part: number, bytes = 100) => ({
  table,
  key: `star/${table}/${RUN}-000${part}.parquet`,
  rows: 10,
  bytes,
  sha256: sha,
});

const objectsOf = (files: ProcessedRunManifest["files"]) =>
  new Map<string, ObjectInfo | undefined>(
    files.map((f) => [f.key, { key: f.key, size: f.bytes, etag: `"e-${f.key}"` }]),
  );

describe("planLoad", () => {
  it("orders tables dimensions first and keeps each table's files in manifest order", () => {
    const files = [
      file("fact_sales_order", 1),
      file("dim_location", 1),
      file("fact_sales_order", 2),
      file("dim_date", 1),
    ];

    const plan = planLoad(manifest(files), "etl-processed", objectsOf(files));

    expect(plan.tables.map((t) => [t.table, t.files.map((f) => f.key.slice(-12))])).toEqual([
      ["dim_date", ["0001.parquet"]],
      ["dim_location", ["0001.parquet"]],
      ["fact_sales_order", ["0001.parquet", "0002.parquet"]],
    ]);
    expect(plan.tables[0]?.files[0]).toEqual({
      table: "dim_date",
      key: `star/dim_date/${RUN}-0001.parquet`,
      rows: 10,
      bytes: 100,
      sha256: sha,
      etag: `"e-star/dim_date/${RUN}-0001.parquet"`,
    });
  });

  it.each([
    ["a missing file", new Map(), /does not exist/],
    [
      "a size that differs",
      new Map([[file("dim_date", 1).key, { key: "k", size: 99 }]]),
      /has 99 bytes, its manifest says 100/,
    ],
  ])("refuses %s", (_name, objects, message) => {
    expect(() => planLoad(manifest([file("dim_date", 1)]), "etl-processed", objects)).toThrow(message);
  });

  it("refuses a file listed twice", () => {
    const files = [file("dim_date", 1), file("dim_date", 1)];

    expect(() => planLoad(manifest(files), "etl-processed", objectsOf(files))).toThrow(DataError);
  });
});
