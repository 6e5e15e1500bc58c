import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import type { ManifestFile } from "@etl/schemas";
import { makeAddress, makeSalesOrder } from "@etl/schemas/testing";
import { describe, expect, it } from "vitest";
import { RawDataError } from "../errors";
import { readSourceBatches, readSourceTable } from "./read-source-rows";

const KEY = "raw/address/2024/01/01/20240101T000000000Z-00000001-0001.jsonl.gz";

async function rawFile(lines: string[], overrides: Partial<ManifestFile> = {}) {
  const store = createMemoryObjectStore();
  const body = new Uint8Array(gzipSync(`${lines.join("\n")}\n`));
  await store.put("ingest", KEY, body);
  const file: ManifestFile = {
    key: KEY,
    rows: lines.length,
    bytes: body.byteLength,
    sha256: createHash("sha256").update(body).digest("hex"),
    ...overrides,
  };
  return { store, file };
}

async function failureOf(promise: Promise<unknown>): Promise<RawDataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RawDataError)) throw new Error(`expected a RawDataError, got ${String(error)}`);
  return error;
}

describe("readSourceTable", () => {
  it("parses every row with the source schema, timestamps made canonical", async () => {
    const row = { ...makeAddress({ address_id: 7 }), created_at: "2022-11-03T14:20:49.962" };
    const { store, file } = await rawFile([
      JSON.stringify(row),
      JSON.stringify(makeAddress({ address_id: 8 })),
    ]);

    const rows = await readSourceTable(store, "ingest", "address", [file]);

    expect(rows.map((r) => r.address_id)).toEqual([7, 8]);
    expect(rows[0]?.created_at).toBe("2022-11-03 14:20:49.962000");
  });

  it.each([
    ["not JSON", "{nope", undefined, "invalid JSON"],
    ["a wrong type", JSON.stringify({ ...makeAddress(), city: 12 }), "city", "expected string"],
    ["a missing column", JSON.stringify({ ...makeAddress(), phone: undefined }), "phone", "missing column"],
    ["an unknown column", JSON.stringify({ ...makeAddress(), colour: "red" }), "colour", "unknown column"],
    [
      "a bad timestamp",
      JSON.stringify({ ...makeAddress(), last_updated: "yesterday" }),
      "last_updated",
      "timestamp",
    ],
    ["not an object", "[1, 2]", undefined, "expected object"],
  ])("names file, line and column for %s", async (_name, line, column, problem) => {
    const { store, file } = await rawFile([JSON.stringify(makeAddress()), line]);

    const error = await failureOf(readSourceTable(store, "ingest", "address", [file]));

    expect(error).toMatchObject({ key: KEY, table: "address", lineNumber: 2, column, retryable: false });
    expect(error.message).toContain(`s3://ingest/${KEY} line 2`);
    expect(error.message).toContain(problem);
  });

  it("names the alternatives of a numeric given as neither a string nor a number", async () => {
    const { store, file } = await rawFile([JSON.stringify({ ...makeSalesOrder(), unit_price: true })]);

    const error = await failureOf(readSourceTable(store, "ingest", "sales_order", [file]));

    expect(error.message).toContain("line 1 column unit_price: expected string or number (got true)");
  });

  it("fails when the row count differs from the manifest's", async () => {
    const { store, file } = await rawFile([JSON.stringify(makeAddress())], { rows: 2 });

    const error = await failureOf(readSourceTable(store, "ingest", "address", [file]));

    expect(error.message).toContain("has 1 rows, the run manifest says 2");
  });

  it("fails when the checksum differs from the manifest's", async () => {
    const { store, file } = await rawFile([JSON.stringify(makeAddress())], { sha256: "0".repeat(64) });

    const error = await failureOf(readSourceTable(store, "ingest", "address", [file]));

    expect(error.code).toBe("RAW_MISMATCH");
  });
});

describe("readSourceBatches", () => {
  it("numbers the lines of each batch from firstLine", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) =>
      JSON.stringify(makeSalesOrder({ sales_order_id: i + 1, unit_price: "3.5" })),
    );
    const { store, file } = await rawFile(lines);
    const seen: number[] = [];

    for await (const batch of readSourceBatches(store, "ingest", "sales_order", file)) {
      batch.rows.forEach((row, i) => {
        if (row.sales_order_id !== batch.firstLine + i) seen.push(row.sales_order_id);
      });
      seen.push(-batch.rows.length);
    }

    expect(seen.filter((n) => n > 0)).toEqual([]);
    expect(seen.reduce((n, m) => n - m, 0)).toBe(5000);
  });
});
