import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { type ColumnKind, CopyTextToJsonLines } from "./copy-json";

const COLUMNS: { name: string; kind: ColumnKind }[] = [
  { name: "id", kind: "integer" },
  { name: "price", kind: "numeric" },
  { name: "paid", kind: "boolean" },
  { name: "at", kind: "timestamp" },
  { name: "name", kind: "text" },
  { name: "doc", kind: "json" },
];

async function encode(chunks: string[], columns = COLUMNS): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks.map((c) => Buffer.from(c, "utf8"))),
    new CopyTextToJsonLines(columns),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out).toString("utf8");
}

describe("CopyTextToJsonLines", () => {
  it("renders each kind, nulls, and rows split across chunks", async () => {
    const lines = await encode([
      '1\t3.50\tt\t2024-03-04 10:11:12.5\tO\'Brien \\\\N \\t"x"\t{"a": "\\\\\\\\"}\n2\t\\N\tf\t',
      "2024-03-04 10:11:12\t\\\\N\t\\N\n3\tNaN\t\\N\tinfinity\t",
      "\\N\tnull\n",
    ]);

    expect(lines.split("\n")).toEqual([
      '{"id":1,"price":"3.50","paid":true,"at":"2024-03-04 10:11:12.500000","name":"O\'Brien \\\\N \\t\\"x\\"","doc":{"a": "\\\\"}}',
      '{"id":2,"price":null,"paid":false,"at":"2024-03-04 10:11:12.000000","name":"\\\\N","doc":null}',
      '{"id":3,"price":"NaN","paid":null,"at":null,"name":null,"doc":null}',
      "",
    ]);
  });

  it("refuses a row with fewer or more columns than it was given", async () => {
    await expect(encode(["1\t2\n"], COLUMNS.slice(0, 3))).rejects.toThrow(DataError);
    await expect(encode(["1\t2\t\t3\n"], COLUMNS.slice(0, 3))).rejects.toThrow(
      /different number of columns than 3/,
    );
  });

  it("refuses output that ends inside a row", async () => {
    await expect(encode(["1\t2\n3\t"], COLUMNS.slice(0, 2))).rejects.toThrow(/ended inside a row/);
  });
});
