import { makeSalesOrder } from "@etl/schemas/testing";
import { describe, expect, it } from "vitest";
import { RawDataError } from "../errors";
import { declareAddedColumns, parseSourceLine } from "./read-source-rows";

const KEY = "raw/sales_order/2024/01/01/20240101T000000000Z-00000001-0001.jsonl.gz";
const FILE = { key: KEY, rows: 1, bytes: 1, sha256: "0".repeat(64) };
const WHERE = { bucket: "ingest", key: KEY, table: "sales_order" };
const line = (extra: Record<string, unknown>) => JSON.stringify({ ...makeSalesOrder(), ...extra });

describe("declareAddedColumns", () => {
  it("removes exactly the declared columns of the file's rows while held", () => {
    const release = declareAddedColumns([FILE], [{ name: "discount_rate" }]);

    const row = parseSourceLine("sales_order", line({ discount_rate: "0.10" }), WHERE, 1);
    release();

    expect(row).not.toHaveProperty("discount_rate");
    expect(() => parseSourceLine("sales_order", line({ discount_rate: "0.10" }), WHERE, 1)).toThrow(
      RawDataError,
    );
  });

  it("keeps refusing a column that is not declared", () => {
    const release = declareAddedColumns([FILE], [{ name: "discount_rate" }]);

    const parse = () =>
      parseSourceLine("sales_order", line({ discount_rate: null, colour: "red" }), WHERE, 1);

    expect(parse).toThrow("colour: unknown column");
    release();
  });

  it("touches only the files declared", () => {
    const release = declareAddedColumns([FILE], [{ name: "discount_rate" }]);

    const parse = () =>
      parseSourceLine("sales_order", line({ discount_rate: "0.10" }), { ...WHERE, key: `${KEY}-other` }, 1);

    expect(parse).toThrow("discount_rate: unknown column");
    release();
  });

  it("stays declared until every holder of the file releases it", () => {
    const first = declareAddedColumns([FILE], [{ name: "discount_rate" }]);
    const second = declareAddedColumns([FILE], [{ name: "discount_rate" }]);

    first();

    expect(parseSourceLine("sales_order", line({ discount_rate: "0.10" }), WHERE, 1)).not.toHaveProperty(
      "discount_rate",
    );
    second();
  });
});
