import { describe, expect, it } from "vitest";
import { ProcessedRunManifestSchema } from "./manifest";
import { DELETION_COLUMNS, deletionTarget, hasDeletionColumns } from "./star-deletions";
import { STAR_TABLE_NAMES } from "./tables";

describe("deletion columns", () => {
  it("are additive: a flag defaulting to false and a nullable time", () => {
    expect(DELETION_COLUMNS).toEqual([
      { name: "is_deleted", type: "boolean", nullable: false, default: "false" },
      { name: "deleted_at", type: "timestamp", nullable: true },
    ]);
  });

  it("are on every star table but dim_date", () => {
    expect(STAR_TABLE_NAMES.filter(hasDeletionColumns)).toEqual(
      STAR_TABLE_NAMES.filter((t) => t !== "dim_date"),
    );
  });
});

describe("deletionTarget", () => {
  it.each([
    ["address", "dim_location", "location_id"],
    ["staff", "dim_staff", "staff_id"],
    ["transaction", "dim_transaction", "transaction_id"],
    ["sales_order", "fact_sales_order", "sales_order_id"],
    ["payment", "fact_payment", "payment_id"],
  ] as const)("maps a deleted %s row to %s by %s", (source, table, key) => {
    expect(deletionTarget(source)).toEqual({ table, key });
  });

  it("has no star row for a department (it lives on in dim_staff's columns)", () => {
    expect(deletionTarget("department")).toBeUndefined();
  });
});

describe("ProcessedRunManifestSchema.deletions", () => {
  const manifest = {
    schemaVersion: 1,
    kind: "processed",
    runId: "20240101T003000000Z-00000002",
    sequence: 2,
    createdAt: "2024-01-01T00:30:00.000Z",
    source: { bucket: "ingest", key: "runs/20240101T003000000Z-00000002.json" },
    files: [],
    state: {},
  };

  it("is optional, so older manifests still parse", () => {
    expect(ProcessedRunManifestSchema.parse(manifest)).toEqual(manifest);
  });

  it("lists each star table's deleted keys and when they were found", () => {
    const deletions = [{ table: "fact_sales_order", keys: [3, 7], deletedAt: "2024-01-01 00:30:00.000000" }];

    expect(ProcessedRunManifestSchema.parse({ ...manifest, deletions }).deletions).toEqual(deletions);
  });

  it("refuses keys that are not integers", () => {
    const deletions = [{ table: "dim_staff", keys: [1.5], deletedAt: "2024-01-01 00:30:00.000000" }];

    expect(ProcessedRunManifestSchema.safeParse({ ...manifest, deletions }).success).toBe(false);
  });
});
