import { describe, expect, it } from "vitest";
import { RawRunManifestSchema } from "./manifest";

const sha256 = "0".repeat(64);
const base = {
  schemaVersion: 1,
  kind: "raw",
  runId: "20240101T003000000Z-00000002",
  sequence: 2,
  createdAt: "2024-01-01T00:30:00.000Z",
  snapshot: {
    databaseTime: "2024-01-01 00:30:00.000000",
    upperBound: "2024-01-01 00:29:00.000000",
    safetyLagSeconds: 60,
  },
};
const changed = {
  table: "currency",
  files: [{ key: "raw/currency/k.jsonl.gz", rows: 1, bytes: 10, sha256 }],
  rows: 1,
  bytes: 10,
  watermark: { from: null, to: "2024-01-01 00:29:00.000000" },
};
const deletion = {
  table: "sales_order",
  file: {
    key: "raw/sales_order/2024/01/01/20240101T003000000Z-00000002-deleted.jsonl.gz",
    rows: 2,
    bytes: 40,
    sha256,
  },
  detectedAt: "2024-01-01 00:30:00.000000",
  previousRunId: "20240101T002000000Z-00000001",
};

describe("RawRunManifestSchema.deletions", () => {
  it("is optional, so a manifest without deletions is what it always was", () => {
    const manifest = { ...base, tables: [changed] };

    expect(RawRunManifestSchema.parse(manifest)).toEqual(manifest);
  });

  it("declares each table's deleted keys as one file, with the detection time", () => {
    const manifest = { ...base, tables: [changed], deletions: [deletion] };

    expect(RawRunManifestSchema.parse(manifest).deletions).toEqual([deletion]);
  });

  it("makes a run whose only change is deletions valid", () => {
    const manifest = { ...base, tables: [], deletions: [deletion] };

    expect(RawRunManifestSchema.parse(manifest).tables).toEqual([]);
  });

  it("still refuses a run with neither changed rows nor deletions", () => {
    expect(RawRunManifestSchema.safeParse({ ...base, tables: [] }).success).toBe(false);
    expect(RawRunManifestSchema.safeParse({ ...base, tables: [], deletions: [] }).success).toBe(false);
  });

  it("refuses two deletion entries of one table", () => {
    const manifest = { ...base, tables: [], deletions: [deletion, deletion] };

    expect(RawRunManifestSchema.safeParse(manifest).success).toBe(false);
  });
});
