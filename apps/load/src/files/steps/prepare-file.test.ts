import { gunzipSync } from "node:zlib";
import type { TableColumn } from "@etl/db/file-load";
import { type FileRuleInput, FileRuleSchema } from "@etl/db/rules";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { describe, expect, it } from "vitest";
import { type Preparation, prepareFile } from "./prepare-file";

const BUCKET = "landing-bucket";
const KEY = "landing/x/file.txt";
const ID = "0123456789abcdef0123456789abcdef";

const csv: FileRuleInput = {
  name: "orders",
  keyGlob: "landing/x/*",
  format: "csv",
  headerLines: 1,
  target: { schema: "s", table: "orders" },
  columns: [{ name: "order_id" }, { name: "customer" }, {}, { name: "amount" }],
};

const fixed: FileRuleInput = {
  name: "fixed",
  keyGlob: "landing/x/*",
  format: "fixed_width",
  target: { schema: "s", table: "orders" },
  columns: [{ width: 1 }, { name: "order_id", width: 6 }, { name: "customer", width: 10 }],
};

const jsonl: FileRuleInput = {
  name: "events",
  keyGlob: "landing/x/*",
  format: "jsonl",
  target: { schema: "s", table: "events" },
  columns: [{ name: "id", source: "ID" }, { name: "ref" }],
};

async function prepare(
  input: FileRuleInput,
  body: string,
  columns: TableColumn[] = [],
): Promise<{ result: Preparation; copy: () => string }> {
  const store = createMemoryObjectStore();
  await store.put(BUCKET, KEY, body);
  const rule = FileRuleSchema.parse(input);
  const result = await prepareFile({
    store,
    bucket: BUCKET,
    key: KEY,
    rule,
    id: ID,
    name: "file.txt",
    columns,
  });
  return {
    result,
    copy: () => {
      const part = result.kind === "prepared" ? result.parts[0] : undefined;
      const bytes = part ? store.objects(BUCKET).find((o) => o.key === part.key)?.body : undefined;
      if (!bytes) throw new Error("no processing copy");
      const raw = Buffer.from(bytes);
      return (rule.compression === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
    },
  };
}

describe("prepareFile: the header is checked, not just dropped", () => {
  it("accepts a CSV header naming the columns in order (quoted, any case, spaces and a BOM around them)", async () => {
    const { result, copy } = await prepare(csv, '\uFEFF"Order_ID", customer ,skipped,"amount"\n1,a,x,2.50\n');

    expect(result).toMatchObject({ kind: "prepared", records: 1 });
    expect(copy()).toBe("1,a,x,2.50\n");
  });

  it("refuses a CSV file whose first line is a record: the header is missing", async () => {
    const { result } = await prepare(csv, "1,a,x,2.50\n2,b,y,3.00\n");

    expect(result).toEqual({
      kind: "rejected",
      code: "BAD_HEADER",
      reason:
        'the header is "1,a,x,2.50", the rule expects "order_id,customer,*,amount" (the columns by name, in order; * any)',
      details: { expected: "order_id,customer,*,amount", found: "1,a,x,2.50" },
    });
  });

  it("refuses a header with the columns in another order, or one too many, with the rule's delimiter and quote", async () => {
    const rule = { ...csv, format: "delimited", delimiter: "|", quote: "'" } as const;

    const swapped = await prepare(rule, "customer|order_id|x|amount\n");
    const extra = await prepare(rule, "order_id|customer|x|amount|more\n");
    const quoted = await prepare(rule, "'order_id'|'customer'|'x|y'|amount\n");

    expect(swapped.result).toMatchObject({ kind: "rejected", code: "BAD_HEADER" });
    expect(extra.result).toMatchObject({ kind: "rejected", code: "BAD_HEADER" });
    expect(quoted.result).toMatchObject({ kind: "prepared", records: 0 });
  });

  it("checks the header against a declared pattern instead, when the rule has one", async () => {
    const rule = { ...csv, headerLines: 2, headerPattern: "^REPORT \\d{4}-\\d{2}-\\d{2}\\nid;" };

    const good = await prepare(rule, "REPORT 2026-07-01\nid;whatever\n1,a,x,2\n");
    const bad = await prepare(rule, "REPORT yesterday\nid;whatever\n1,a,x,2\n");

    expect(good.result).toMatchObject({ kind: "prepared", records: 1 });
    expect(bad.result).toMatchObject({
      kind: "rejected",
      code: "BAD_HEADER",
      reason: expect.stringContaining("does not match the rule's headerPattern"),
      details: { expected: rule.headerPattern, found: "REPORT yesterday\nid;whatever" },
    });
  });

  it("checks a fixed-width header against the layout's names, each cut to its width", async () => {
    const rule = { ...fixed, headerLines: 1 };

    const good = await prepare(rule, "Torder_CUSTOMER  \nD000001Acme      \n");
    const bad = await prepare(rule, "D000001Acme      \nD000002Other     \n");

    expect(good.result).toMatchObject({ kind: "prepared", records: 1 });
    expect(bad.result).toMatchObject({
      kind: "rejected",
      code: "BAD_HEADER",
      details: { expected: "?order_customer  ", found: "D000001Acme      " },
    });
  });
});

describe("prepareFile: fixed-width records have the layout's length", () => {
  it("refuses a short record and a long one, naming the line and both lengths", async () => {
    const short = await prepare(
      { ...fixed, headerLines: 1, headerPattern: "^H" },
      "H\nD000001Acme      \nD000002Short\n",
    );
    const long = await prepare(fixed, "D000001Acme      \n\nD000002Straße    extra\n");

    expect(short.result).toEqual({
      kind: "rejected",
      code: "BAD_RECORD_LENGTH",
      reason: "line 3 has 12 characters, the layout needs 17",
      details: { line: 3, length: 12, expected: 17 },
    });
    expect(long.result).toMatchObject({
      kind: "rejected",
      code: "BAD_RECORD_LENGTH",
      reason: "line 3 has 22 characters, the layout needs 17",
    });
  });

  it("counts characters, not bytes", async () => {
    const { result } = await prepare(fixed, "D000001Straße Söh\n");

    expect(result).toMatchObject({ kind: "prepared", records: 1 });
  });

  it("within a declared tolerance, pads a short record and cuts a long one in the copy that is loaded (both warehouses)", async () => {
    const rule = { ...fixed, lengthTolerance: { shorter: 6, longer: 2 } };

    const within = await prepare(rule, "D000001Acme\nD000002Söhne     xy\n");
    const beyond = await prepare(rule, "D000001Acme      xyz\n");

    expect(within.result).toMatchObject({ kind: "prepared", records: 2 });
    expect(within.copy()).toBe('"D","000001","Acme"\n"D","000002","Söhne"\n');
    expect(beyond.result).toMatchObject({
      kind: "rejected",
      code: "BAD_RECORD_LENGTH",
      reason: "line 1 has 20 characters, the layout needs 17 (11 to 19 allowed)",
    });
  });
});

describe("prepareFile: a fixed-width file becomes a CSV processing copy", () => {
  it("cuts each record at the widths in characters and trims every field on both sides; a blank field is NULL", async () => {
    const rule = {
      ...fixed,
      columns: [
        { width: 1 },
        { name: "order_id", width: 6 },
        { name: "customer", width: 10 },
        { name: "amount", width: 10 },
      ],
    };

    const { result, copy } = await prepare(
      rule,
      'D000001  Straße       99.00\nD    42 "Ünï"              \nD000003Ω ø       1234567.50\n',
    );

    expect(result).toMatchObject({
      kind: "prepared",
      records: 3,
      parts: [{ key: `processing/fixed/${ID}.csv`, records: 3 }],
    });
    // Both warehouses load this copy as CSV: no byte-counted FIXEDWIDTH, no one-sided trim.
    expect(copy()).toBe(
      '"D","000001","Straße","99.00"\n"D","42","""Ünï""",\n"D","000003","Ω ø","1234567.50"\n',
    );
  });
});

describe("prepareFile: JSON Lines numbers beyond 2^53", () => {
  const columns: TableColumn[] = [
    { name: "id", dataType: "bigint" },
    { name: "ref", dataType: "text" },
  ];

  it("refuses an integer outside the safe range for a numeric column, naming the record", async () => {
    const { result } = await prepare(
      jsonl,
      '{"ID": 1, "ref": "a"}\n\n{"ID": 9007199254740993, "ref": "b"}\n',
      columns,
    );

    expect(result).toEqual({
      kind: "rejected",
      code: "NUMBER_PRECISION",
      reason:
        "record 2 (line 3): ID is 9007199254740993, which a JSON number cannot carry exactly (integers up to 9007199254740991); send it as a string or load it into a text column",
      details: { record: 2, line: 3, field: "ID", value: "9007199254740993" },
    });
  });

  it("keeps the exact digits for a text column, in the copy both warehouses load", async () => {
    const { result, copy } = await prepare(
      jsonl,
      '{"ID": 1, "ref": 9007199254740993, "other": 123456789012345678901}\n{"ID": -9007199254740991, "ref": -12345678901234567890.5}\n',
      columns,
    );

    expect(result).toMatchObject({ kind: "prepared", records: 2 });
    expect(copy()).toBe(
      '{"ID": 1, "ref": "9007199254740993", "other": 123456789012345678901}\n{"ID": -9007199254740991, "ref": "-12345678901234567890.5"}\n',
    );
  });

  it("refuses a decimal that would be rounded, and a big integer nested in a loaded value", async () => {
    const decimal = await prepare(jsonl, '{"ID": 0.12345678901234567891}\n', columns);
    const nested = await prepare(jsonl, '{"ID": 1, "ref": {"n": 90071992547409930}}\n', columns);

    expect(decimal.result).toMatchObject({
      kind: "rejected",
      code: "NUMBER_PRECISION",
      details: { field: "ID" },
    });
    expect(nested.result).toMatchObject({
      kind: "rejected",
      code: "NUMBER_PRECISION",
      details: { field: "ref" },
    });
  });

  it("leaves numbers that fit alone, and ignores keys the rule does not load", async () => {
    const body = '{"ID": 9007199254740991, "ref": "x", "ignored": [12345678901234567890]}\n{"ID": 1.5e3}\n';

    const { result, copy } = await prepare(jsonl, body, columns);

    expect(result).toMatchObject({ kind: "prepared", records: 2 });
    expect(copy()).toBe(body);
  });
});
