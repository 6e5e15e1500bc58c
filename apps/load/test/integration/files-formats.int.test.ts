import { gzipSync } from "node:zlib";
import { FileRuleSchema } from "@etl/db/rules";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFilesWorld, type FilesWorld, fixture } from "./files-support";

let world: FilesWorld;

beforeEach(async () => {
  world = await createFilesWorld();
});

afterEach(async () => {
  await world.close();
});

const today = () => {
  const d = new Date();
  return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}`;
};

type Order = { order_id: number; customer: string; amount: string | null; sold_at: string | null };
const orders = () =>
  world.rows<Order>(
    "select order_id, customer, amount::text as amount, to_char(sold_at, 'YYYY-MM-DD HH24:MI:SS.US') as sold_at from landed.orders order by order_id",
  );

describe("landed files of every format on the local services", () => {
  it("CSV: header and trailer stripped, quoted commas, quotes and line breaks kept, times read in the rule's zone", async () => {
    const outcome = await world.load("landing/orders/csv/day 1 (final).csv", fixture("orders.csv"));

    expect(outcome).toMatchObject({ status: "FINISHED", rule: "orders_csv", rows: 3 });
    expect(await orders()).toEqual([
      { order_id: 1, customer: "Acme, Ltd", amount: "12.50", sold_at: "2026-07-01 11:00:00.000000" },
      { order_id: 2, customer: 'Say "hi"\nand bye', amount: "3.00", sold_at: "2026-07-01 12:30:00.000000" },
      { order_id: 3, customer: "Plain", amount: null, sold_at: "2026-07-02 07:00:00.000000" },
    ]);
    expect(await world.keys()).toEqual([`archive/orders_csv/${today()}/day 1 (final).csv`]);
    expect(await world.text(`archive/orders_csv/${today()}/day 1 (final).csv`)).toBe(
      fixture("orders.csv").toString(),
    );
    const [item] = await world.audit("orders_csv");
    expect(item).toMatchObject({ stage: "files", status: "FINISHED", rows: 3, table: "landed.orders" });
    expect(world.alerts().map((a) => a.subject)).toEqual([
      "ETL files landed.orders day 1 (final).csv: FINISHED: 3 rows into landed.orders",
    ]);
    expect(world.events()).toMatchObject([
      {
        source: "etl.files",
        "detail-type": "Landed File Status",
        detail: { status: "FINISHED", rule: "orders_csv", rows: 3, target: "landed.orders" },
      },
    ]);
    expect(await world.rows("select key, run_id, table_name, rows from etl.loaded_files")).toEqual([
      {
        key: expect.stringMatching(/^landed:landing-[0-9a-f]{8}\/orders_csv\/[0-9a-f]{32}$/),
        run_id: "files:orders_csv",
        table_name: "landed.orders",
        rows: "3",
      },
    ]);
  });

  it("delimited: any single characters as delimiter, quote and escape", async () => {
    const outcome = await world.load("landing/orders/odd/feed.txt", fixture("orders-odd.txt"));

    expect(outcome.status).toBe("FINISHED");
    expect(await orders()).toEqual([
      { order_id: 4, customer: "O'Brien ; Sons", amount: "7.25", sold_at: "2026-07-03 10:00:00.000000" },
      { order_id: 5, customer: "Semi Colon Co", amount: "0.10", sold_at: "2026-07-03 11:00:00.000000" },
    ]);
  });

  it("fixed width: fields cut at their widths in characters, a filler dropped, padding trimmed", async () => {
    const outcome = await world.load("landing/orders/fixed/orders.fw", fixture("orders.fw"));

    expect(outcome).toMatchObject({ status: "FINISHED", rows: 2 });
    expect(await orders()).toEqual([
      { order_id: 6, customer: "Fixed Width Co", amount: "99.00", sold_at: "2026-07-04 09:15:00.000000" },
      { order_id: 7, customer: "Straße & Söhne", amount: "1.50", sold_at: "2026-07-04 09:16:00.000000" },
    ]);
  });

  it("fixed width: right-aligned values and multi-byte characters trimmed on both sides, as on Redshift", async () => {
    const outcome = await world.load(
      "landing/orders/fixed/aligned.fw",
      Buffer.from(
        "D000010         Ünïcødé Ltd     99.002026-07-04 09:15:00\n" +
          "D000011 ß 😀 ø                    0.502026-07-04 09:16:00\n",
        "utf8",
      ),
    );

    expect(outcome).toMatchObject({ status: "FINISHED", rows: 2 });
    expect(await orders()).toEqual([
      { order_id: 10, customer: "Ünïcødé Ltd", amount: "99.00", sold_at: "2026-07-04 09:15:00.000000" },
      { order_id: 11, customer: "ß 😀 ø", amount: "0.50", sold_at: "2026-07-04 09:16:00.000000" },
    ]);
  });

  it("JSON Lines, gzip: keys picked by source name, blank lines and extra keys ignored", async () => {
    const outcome = await world.load(
      "landing/orders/jsonl/orders.jsonl.gz",
      gzipSync(fixture("orders.jsonl")),
    );

    expect(outcome).toMatchObject({ status: "FINISHED", rows: 2 });
    expect(await orders()).toEqual([
      { order_id: 8, customer: "JSON Co", amount: "5.55", sold_at: "2026-07-05 10:00:00.000000" },
      { order_id: 9, customer: 'Line "Two"', amount: null, sold_at: "2026-07-05 10:30:00.000000" },
    ]);
    expect(await world.keys("archive/")).toEqual([`archive/orders_jsonl/${today()}/orders.jsonl.gz`]);
  });

  it("JSON Lines: an integer beyond 2^53 keeps its exact digits in a text column", async () => {
    await world.rules.upsert(
      FileRuleSchema.parse({
        name: "notes_jsonl",
        keyGlob: "landing/notes/*.jsonl",
        format: "jsonl",
        target: { schema: "landed", table: "notes" },
        columns: [
          { name: "order_id", source: "id" },
          { name: "note", source: "ref" },
        ],
      }),
    );

    const outcome = await world.load(
      "landing/notes/big.jsonl",
      '{"id": 1, "ref": 9007199254740993}\n{"id": 2, "ref": -123456789012345678901234567890}\n',
    );

    expect(outcome).toMatchObject({ status: "FINISHED", rows: 2 });
    expect(await world.rows("select order_id, note from landed.notes order by order_id")).toEqual([
      { order_id: 1, note: "9007199254740993" },
      { order_id: 2, note: "-123456789012345678901234567890" },
    ]);
  });

  it("fixed width within a declared length tolerance: a record short of its last field loads it as NULL", async () => {
    const stored = await world.rules.get("orders_fixed");
    if (!stored?.rule) throw new Error("no rule orders_fixed");
    await world.rules.upsert(FileRuleSchema.parse({ ...stored.rule, lengthTolerance: { shorter: 19 } }));
    const [first = ""] = fixture("orders.fw").toString().split("\n");

    const outcome = await world.load(
      "landing/orders/fixed/short.fw",
      `${first}\n${first.slice(0, 37).replace("000006", "000010")}\n`,
    );

    expect(outcome).toMatchObject({ status: "FINISHED", rows: 2 });
    expect((await orders()).map((o) => [o.order_id, o.sold_at])).toEqual([
      [6, "2026-07-04 09:15:00.000000"],
      [10, null],
    ]);
  });

  it("Parquet: columns checked against the rule, exact decimals and microseconds", async () => {
    const outcome = await world.load("landing/orders/parquet/orders.parquet", fixture("orders.parquet"));

    expect(outcome).toMatchObject({ status: "FINISHED", rows: 2 });
    expect(await orders()).toEqual([
      { order_id: 11, customer: "Parquet Ltd", amount: "123.45", sold_at: "2026-07-07 09:00:00.000000" },
      { order_id: 12, customer: "Columnar plc", amount: null, sold_at: "2026-07-07 09:30:00.250000" },
    ]);
  });

  it("split: one part per record type lands under landing/ again and is loaded by its own rule", async () => {
    const split = await world.load("landing/orders/split/orders-split.txt", fixture("orders-split.txt"));

    expect(split).toMatchObject({ status: "FINISHED", rule: "orders_split", rows: 3 });
    expect(split.parts).toHaveLength(2);
    const [details, notes] = [...(split.parts ?? [])].sort();
    expect(details).toMatch(/^landing\/orders\/parts\/D\/[0-9a-f]{12}-orders-split\.txt$/);
    expect(notes).toMatch(/^landing\/orders\/parts\/N\/[0-9a-f]{12}-orders-split\.txt$/);
    expect(await world.keys("processing/")).toEqual([]);
    expect(await world.text(notes ?? "")).toBe(`N000013${"first note".padEnd(30)}\n`);

    // The parts' own ObjectCreated events.
    const loadedDetails = await world.load(details ?? "", Buffer.from(await world.text(details ?? "")));
    const loadedNotes = await world.load(notes ?? "", Buffer.from(await world.text(notes ?? "")));

    expect([loadedDetails.rule, loadedDetails.status, loadedDetails.rows]).toEqual([
      "orders_parts_d",
      "FINISHED",
      2,
    ]);
    expect([loadedNotes.rule, loadedNotes.status, loadedNotes.rows]).toEqual([
      "orders_parts_n",
      "FINISHED",
      1,
    ]);
    expect((await orders()).map((o) => o.order_id)).toEqual([13, 14]);
    expect(await world.rows("select order_id, note from landed.notes")).toEqual([
      { order_id: 13, note: "first note" },
    ]);
    expect(await world.keys("landing/")).toEqual([]);
    expect((await world.keys("archive/")).length).toBe(3);
  });
});
