import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { readParquet, writeParquet } from "@etl/s3-io/parquet";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { type ManifestFile, SalesOrderSchema, toFactSalesOrder } from "@etl/schemas";
import { makeSalesOrder } from "@etl/schemas/testing";
import { describe, expect, it } from "vitest";
import { RawDataError } from "../errors";
import { DateSet } from "./date-set";
import { parquetColumns } from "./parquet-columns";
import { QuarantineSink } from "./quarantine-sink";
import { emptyReferenceState, type ReferenceState } from "./reference-state";
import type { StarFile } from "./star-part-writer";
import { type StreamedTableOptions, transformStreamedTable } from "./streamed-tables";

const RUN = "20240101T000000000Z-00000001";

/** Raw files of the given lines (gzip JSON Lines, described as the raw manifest does). */
async function rawFiles(files: readonly (readonly string[])[]) {
  const store = createMemoryObjectStore();
  const manifest: ManifestFile[] = [];
  for (const [i, lines] of files.entries()) {
    const key = `raw/sales_order/2024/01/01/${RUN}-000${i + 1}.jsonl.gz`;
    const body = new Uint8Array(gzipSync(`${lines.join("\n")}\n`));
    await store.put("ingest", key, body);
    manifest.push({
      key,
      rows: lines.length,
      bytes: body.byteLength,
      sha256: createHash("sha256").update(body).digest("hex"),
    });
  }
  return { store, manifest };
}

function options(store: ReturnType<typeof createMemoryObjectStore>, partRows: number) {
  const parts: StarFile[] = [];
  const settings: StreamedTableOptions = {
    store,
    ingestBucket: "ingest",
    processedBucket: "processed",
    runId: RUN,
    attempt: "0a1b2c3d",
    partRows,
    state: emptyReferenceState(),
    checkReferences: false,
    dates: new DateSet(),
    onPart: (file) => parts.push(file),
  };
  return { settings, parts };
}

async function failureOf(promise: Promise<unknown>): Promise<RawDataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RawDataError)) throw new Error(`expected a RawDataError, got ${String(error)}`);
  return error;
}

const order = (i: number) =>
  makeSalesOrder({
    sales_order_id: i,
    units_sold: i * 13,
    unit_price: `${i % 7}.${i % 10}`,
    created_at: `2023-0${1 + (i % 9)}-1${i % 10} 0${i % 10}:1${i % 10}:2${i % 10}.${String(i).padStart(6, "0")}`,
    agreed_delivery_date: `2024-0${1 + (i % 9)}-2${i % 9}`,
  });

/** A line in a shape the fast path leaves to the reference way, for some rows. */
function lineOf(i: number): string {
  const row = order(i);
  switch (i % 6) {
    case 1:
      return JSON.stringify({ ...row, created_at: row.created_at.replace(" ", "T").replace(/0+$/, "") });
    case 2:
      return JSON.stringify({ ...row, unit_price: Number(row.unit_price) });
    case 3:
      return JSON.stringify(Object.fromEntries(Object.entries(row).reverse()));
    case 4:
      return `${JSON.stringify(row, null, 1).replace(/\n/g, "")}\r`;
    default:
      return JSON.stringify(row);
  }
}

describe("transformStreamedTable", () => {
  it("writes what the source schema and formatter make of every line, in parts of partRows rows", async () => {
    const ids = Array.from({ length: 23 }, (_, i) => i + 1);
    const { store, manifest } = await rawFiles([ids.slice(0, 10).map(lineOf), ids.slice(10).map(lineOf)]);
    const { settings, parts } = options(store, 4);

    const result = await transformStreamedTable("sales_order", manifest, settings);

    const expected = toFactSalesOrder(ids.map((i) => SalesOrderSchema.parse(JSON.parse(lineOf(i)))));
    expect(result.files.map((f) => f.rows)).toEqual([4, 4, 4, 4, 4, 3]);
    expect(parts).toEqual(result.files);
    for (const [n, file] of result.files.entries()) {
      const body = store.objects("processed").find((o) => o.key === file.key)?.body ?? new Uint8Array();
      const rows = expected.slice(n * 4, n * 4 + 4);
      const reference = writeParquet(parquetColumns("fact_sales_order"), rows, {
        rowGroupRows: 4,
        createdBy: "etl transform (parquet-wasm)",
      });
      expect(Buffer.from(body).equals(Buffer.from(reference))).toBe(true);
      expect(await readParquet(body)).toEqual(rows);
    }
    expect(settings.dates.values()).toEqual(
      [
        ...new Set(
          expected.flatMap((r) => [
            r.created_date,
            r.last_updated_date,
            r.agreed_delivery_date,
            r.agreed_payment_date,
          ]),
        ),
      ].sort(),
    );
  });

  it("names the file, line and column of a bad row deep in a file", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => lineOf(i + 1));
    lines[4320] = JSON.stringify({ ...order(4321), units_sold: "many" });
    const { store, manifest } = await rawFiles([lines]);
    const { settings, parts } = options(store, 1000);

    const error = await failureOf(transformStreamedTable("sales_order", manifest, settings));

    expect(error).toMatchObject({ key: manifest[0]?.key, lineNumber: 4321, column: "units_sold" });
    expect(error.message).toContain("expected number");
    // Every part stored before the failure is reported, so that the run can remove it.
    expect(parts.map((p) => p.rows)).toEqual([1000, 1000, 1000, 1000]);
    expect(store.objects("processed").map((o) => o.key)).toEqual(parts.map((p) => p.key));
  });

  it("names the line of a value the formatter refuses", async () => {
    const { store, manifest } = await rawFiles([
      [lineOf(1), JSON.stringify(order(2)), JSON.stringify({ ...order(3), unit_price: "1.005" })],
    ]);

    const error = await failureOf(
      transformStreamedTable("sales_order", manifest, options(store, 10).settings),
    );

    expect(error).toMatchObject({ lineNumber: 3, code: "BAD_DECIMAL" });
    expect(error.message).toContain("would have to be rounded");
  });

  it("names the second line of an id that appears twice, across files", async () => {
    const { store, manifest } = await rawFiles([
      [lineOf(1), lineOf(2)],
      [lineOf(3), lineOf(2)],
    ]);

    const error = await failureOf(
      transformStreamedTable("sales_order", manifest, options(store, 10).settings),
    );

    expect(error).toMatchObject({ key: manifest[1]?.key, lineNumber: 2, column: "sales_order_id" });
    expect(error.message).toContain("sales_order_id 2 appears more than once in the run");
  });

  it("names the line and column of a reference the state does not hold", async () => {
    const { store, manifest } = await rawFiles([[lineOf(1)]]);
    const { settings } = options(store, 10);

    const error = await failureOf(
      transformStreamedTable("sales_order", manifest, { ...settings, checkReferences: true }),
    );

    expect(error).toMatchObject({ lineNumber: 1, column: "design_id", code: "MISSING_REFERENCE" });
    expect(error.message).toContain("refers to design 1");
  });

  it.each([
    ["an empty line", [lineOf(1), "", lineOf(2)], 2, "empty line"],
    ["a line that is not JSON", [lineOf(1), lineOf(2), '{"sales_order_id": 3,'], 3, "invalid JSON"],
  ])("names the line of %s", async (_name, lines, line, problem) => {
    const { store, manifest } = await rawFiles([lines]);

    const error = await failureOf(
      transformStreamedTable("sales_order", manifest, options(store, 10).settings),
    );

    expect(error.lineNumber).toBe(line);
    expect(error.message).toContain(problem);
  });

  it("fails a file whose row count differs from the manifest's", async () => {
    const { store, manifest } = await rawFiles([[lineOf(1), lineOf(2)]]);
    const files = manifest.map((f) => ({ ...f, rows: 3 }));

    const error = await failureOf(transformStreamedTable("sales_order", files, options(store, 10).settings));

    expect(error).toMatchObject({ code: "RAW_MISMATCH" });
    expect(error.message).toContain("has 2 rows, the run manifest says 3");
  });

  describe("with a quarantine", () => {
    /** A state that knows every row `order(i)` refers to. */
    function knownState(): ReferenceState {
      const row = order(1);
      const known = (id: number) => new Map([[id, {}]]) as never;
      return {
        ...emptyReferenceState(),
        design: known(row.design_id),
        staff: known(row.staff_id),
        counterparty: known(row.counterparty_id),
        currency: known(row.currency_id),
        address: known(row.agreed_delivery_location_id),
      };
    }

    it("holds a bad row with its raw line, reason and line number, and writes the rest", async () => {
      const bad = JSON.stringify({ ...order(3), units_sold: "many" });
      const rounded = JSON.stringify({ ...order(5), unit_price: "1.005" });
      const lines = [lineOf(1), lineOf(2), bad, lineOf(4), rounded, lineOf(6)];
      const { store, manifest } = await rawFiles([lines]);
      const sink = new QuarantineSink(RUN);

      const result = await transformStreamedTable("sales_order", manifest, {
        ...options(store, 10).settings,
        quarantine: sink,
      });

      expect(result).toMatchObject({ rows: 4, read: 6, quarantined: 2 });
      expect(sink.rows).toEqual([
        expect.objectContaining({
          runId: RUN,
          table: "sales_order",
          key: manifest[0]?.key,
          lineNumber: 3,
          line: bad,
          column: "units_sold",
          code: "BAD_RAW_ROW",
        }),
        expect.objectContaining({ lineNumber: 5, line: rounded, code: "BAD_DECIMAL" }),
      ]);
      expect(sink.rows[1]?.reason).toContain("would have to be rounded");
      expect([...sink.heldIds("sales_order")]).toEqual([3, 5]);
    });

    it("holds a row that refers to a row this run holds, naming it", async () => {
      const { store, manifest } = await rawFiles([[lineOf(1), JSON.stringify(order(2))]]);
      const sink = new QuarantineSink(RUN);
      const design = order(2).design_id;
      sink.hold(
        {
          table: "design",
          key: "raw/design/x.jsonl.gz",
          lineNumber: 1,
          line: "{}",
          reason: "bad",
          code: "X",
        },
        design,
      );

      const result = await transformStreamedTable("sales_order", manifest, {
        ...options(store, 10).settings,
        state: knownState(),
        checkReferences: true,
        quarantine: sink,
      });

      expect(result).toMatchObject({ rows: 0, read: 2, quarantined: 2 });
      expect(sink.rows[1]).toMatchObject({
        table: "sales_order",
        lineNumber: 1,
        code: "HELD_REFERENCE",
        column: "design_id",
        heldFor: { table: "design", id: design },
      });
    });

    it("holds a row whose reference no run has delivered", async () => {
      const { store, manifest } = await rawFiles([[JSON.stringify(order(1))]]);
      const sink = new QuarantineSink(RUN);

      const result = await transformStreamedTable("sales_order", manifest, {
        ...options(store, 10).settings,
        checkReferences: true,
        quarantine: sink,
      });

      expect(result).toMatchObject({ rows: 0, quarantined: 1 });
      expect(sink.rows[0]).toMatchObject({ code: "MISSING_REFERENCE", column: "design_id" });
    });

    it("still fails on an id that appears twice and on a file that differs from the manifest", async () => {
      const twice = await rawFiles([[lineOf(1), lineOf(1)]]);
      const short = await rawFiles([[lineOf(1)]]);
      const sink = new QuarantineSink(RUN);

      const repeated = await failureOf(
        transformStreamedTable("sales_order", twice.manifest, {
          ...options(twice.store, 10).settings,
          quarantine: sink,
        }),
      );
      const mismatch = await failureOf(
        transformStreamedTable(
          "sales_order",
          short.manifest.map((f) => ({ ...f, rows: 2 })),
          { ...options(short.store, 10).settings, quarantine: sink },
        ),
      );

      expect(repeated.code).toBe("DUPLICATE_ID");
      expect(mismatch.code).toBe("RAW_MISMATCH");
      expect(sink.rows).toEqual([]);
    });

    it("writes the same Parquet bytes as a run of only the good lines, fast and reference lines alike", async () => {
      const ids = Array.from({ length: 40 }, (_, i) => i + 1);
      const bad = new Set([2, 9, 17, 18, 33]);
      const lineFor = (i: number) =>
        bad.has(i) ? JSON.stringify({ ...order(i), unit_price: i % 2 ? "x" : "1.005" }) : lineOf(i);
      const mixed = await rawFiles([ids.slice(0, 20).map(lineFor), ids.slice(20).map(lineFor)]);
      const good = await rawFiles([
        ids
          .slice(0, 20)
          .filter((i) => !bad.has(i))
          .map(lineOf),
        ids
          .slice(20)
          .filter((i) => !bad.has(i))
          .map(lineOf),
      ]);
      const held = options(mixed.store, 8);
      const clean = options(good.store, 8);

      await transformStreamedTable("sales_order", mixed.manifest, {
        ...held.settings,
        quarantine: new QuarantineSink(RUN),
      });
      await transformStreamedTable("sales_order", good.manifest, clean.settings);

      const bodies = (store: typeof mixed.store) =>
        store.objects("processed").map((o) => Buffer.from(o.body));
      expect(held.parts.map((p) => p.rows)).toEqual([8, 8, 8, 8, 3]);
      expect(bodies(mixed.store)).toEqual(bodies(good.store));
      expect(held.settings.dates.values()).toEqual(clean.settings.dates.values());
    });
  });
});
