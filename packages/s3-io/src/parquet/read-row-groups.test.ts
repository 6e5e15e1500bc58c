import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import type { ParquetColumn } from "./columns";
import { parquetColumnNames, type RowGroupVectors, readRowGroups } from "./read-row-groups";
import { writeParquet } from "./write-parquet";

const columns: ParquetColumn[] = [
  { name: "id", type: "int32", nullable: false },
  { name: "order_date", type: "date", nullable: true },
  { name: "unit_price", type: "decimal", precision: 10, scale: 2, nullable: true },
  { name: "note", type: "utf8", nullable: true },
];

const row = (i: number) => ({
  id: i,
  order_date: i % 2 === 1 ? null : `2024-01-0${i + 1}`,
  unit_price: `${i}.25`,
  note: `note ${i}`,
});

const collect = async (groups: AsyncIterable<RowGroupVectors>) => {
  const out: { rows: number; vectors: unknown[][] }[] = [];
  for await (const group of groups)
    out.push({ rows: group.rows, vectors: group.vectors.map((v) => Array.from(v)) });
  return out;
};

describe("readRowGroups", () => {
  it("yields each row group's named columns in the order asked, as stored values", async () => {
    const bytes = writeParquet(
      columns,
      Array.from({ length: 5 }, (_, i) => row(i)),
      { rowGroupRows: 2 },
    );

    const groups = await collect(
      readRowGroups(bytes, ["note", "unit_price", "order_date"], "part-1.parquet"),
    );

    // Decimals as their unscaled integers, dates as days since 1970-01-01 (2024-01-01 is day 19723).
    expect(groups).toEqual([
      {
        rows: 2,
        vectors: [
          ["note 0", "note 1"],
          [25n, 125n],
          [19723, null],
        ],
      },
      {
        rows: 2,
        vectors: [
          ["note 2", "note 3"],
          [225n, 325n],
          [19725, null],
        ],
      },
      { rows: 1, vectors: [["note 4"], [425n], [19727]] },
    ]);
  });

  it("joins a group's pages into one vector per column: typed where the pages are, in row order", async () => {
    // 50,000 rows in one group: the writer cuts every column into pages of 20,480 rows.
    const many: ParquetColumn[] = [
      { name: "id", type: "int32", nullable: false },
      { name: "amount", type: "decimal", precision: 12, scale: 2, nullable: false },
      { name: "big", type: "int64", nullable: false },
      { name: "tag", type: "utf8", nullable: false },
      { name: "maybe", type: "int32", nullable: true },
    ];
    const n = 50_000;
    const bytes = writeParquet(
      many,
      Array.from({ length: n }, (_, i) => ({
        id: n - i,
        amount: `${i}.05`,
        big: i * 1_000_000_007,
        tag: `t${i % 7}`,
        maybe: i % 3 === 0 ? null : i,
      })),
      { rowGroupRows: n },
    );

    const groups: RowGroupVectors[] = [];
    for await (const group of readRowGroups(bytes, ["id", "amount", "big", "tag", "maybe"], "p.parquet"))
      groups.push(group);

    expect(groups).toHaveLength(1);
    const [id, amount, big, tag, maybe] = groups[0]?.vectors ?? [];
    expect(id).toBeInstanceOf(Int32Array);
    expect(amount).toBeInstanceOf(BigInt64Array);
    expect(big).toBeInstanceOf(BigInt64Array);
    for (const i of [0, 1, 20_479, 20_480, 20_481, 40_959, 40_960, n - 1]) {
      expect([id?.[i], amount?.[i], big?.[i], tag?.[i], maybe?.[i]]).toEqual([
        n - i,
        BigInt(i * 100 + 5),
        BigInt(i) * 1_000_000_007n,
        `t${i % 7}`,
        i % 3 === 0 ? null : i,
      ]);
    }
    expect(Array.from(id ?? []).every((v, i) => v === n - i)).toBe(true);
  });

  it("refuses a column the file does not have, naming file and column, before decoding", async () => {
    const bytes = writeParquet(columns, [row(0)]);

    const read = collect(readRowGroups(bytes, ["id", "discount"], "part-1.parquet"));

    await expect(read).rejects.toBeInstanceOf(DataError);
    await expect(read).rejects.toMatchObject({
      code: "BAD_PARQUET",
      message: "part-1.parquet: column discount is missing from the Parquet file",
    });
  });

  it("reports bytes that are no Parquet file as bad data naming the file", async () => {
    const read = collect(readRowGroups(new TextEncoder().encode("id,note\n1,a\n"), ["id"], "part-1.parquet"));

    await expect(read).rejects.toMatchObject({
      retryable: false,
      code: "BAD_PARQUET",
      message: expect.stringMatching(/^part-1\.parquet: not a readable Parquet file: /),
    });
  });

  it("reports a row group whose pages are damaged, naming its first row", async () => {
    const bytes = writeParquet(
      columns,
      Array.from({ length: 4 }, (_, i) => row(i)),
      { rowGroupRows: 2 },
    );
    // Zero the data pages just after the magic bytes; the footer stays readable.
    const damaged = Uint8Array.from(bytes);
    damaged.fill(0, 4, 64);

    const read = collect(readRowGroups(damaged, ["id", "note"], "part-1.parquet"));

    await expect(read).rejects.toMatchObject({
      code: "BAD_PARQUET",
      message: expect.stringMatching(/^part-1\.parquet: cannot decode row group at row 0: /),
    });
  });
});

describe("parquetColumnNames", () => {
  it("lists a file's columns in order", () => {
    expect(parquetColumnNames(writeParquet(columns, [row(0)]), "part-1.parquet")).toEqual([
      "id",
      "order_date",
      "unit_price",
      "note",
    ]);
  });
});
