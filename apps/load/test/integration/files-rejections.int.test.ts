import { gzipSync } from "node:zlib";
import { type FileRuleInput, FileRuleSchema } from "@etl/db/rules";
import { afterEach, describe, expect, it } from "vitest";
import { runFileLoad } from "../../src/files/run-file-load";
import { createFilesWorld, type FilesWorld, fixture } from "./files-support";

let world: FilesWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Replaces a rule of `rules.yaml` with a changed copy. */
async function variant(w: FilesWorld, name: string, changes: Partial<FileRuleInput>): Promise<void> {
  const stored = await w.rules.get(name);
  if (!stored?.rule) throw new Error(`no rule ${name}`);
  await w.rules.upsert(FileRuleSchema.parse({ ...stored.rule, ...changes }));
}

const today = () => {
  const d = new Date();
  return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}`;
};

interface Case {
  status: "ABORTED" | "FAILED";
  code: string;
  /** The rule that took the file (the audit's run id), or `unmatched`. */
  rule: string;
  key: string;
  body: () => Buffer | string;
  reason: RegExp;
  arrange?: (w: FilesWorld) => Promise<void>;
  followUps?: string[];
}

const seventeenTypes = () =>
  `HEADER\n${"ABCDEFGHIJKLMNOPQ"
    .split("")
    .map((t) => `${t}000001 x`)
    .join("\n")}\nTRAILER 000017\n`;

const cases: [string, Case][] = [
  [
    "no rule matches the key",
    {
      status: "ABORTED",
      code: "NO_RULE",
      rule: "unmatched",
      key: "landing/unknown/x.csv",
      body: () => "a\n",
      reason: /no active rule matches landing\/unknown\/x\.csv/,
    },
  ],
  [
    "a file lands before any rule exists (no rules table yet)",
    {
      status: "ABORTED",
      code: "NO_RULE",
      rule: "unmatched",
      key: "landing/early/x.csv",
      body: () => "a\n",
      reason: /no active rule matches landing\/early\/x\.csv/,
      arrange: async (w) => {
        await w.db.query("drop table etl_control.file_rules");
      },
    },
  ],
  [
    "the matching rule is not valid",
    {
      status: "ABORTED",
      code: "INVALID_RULE",
      rule: "broken",
      key: "landing/broken/x.csv",
      body: () => "a\n",
      reason: /rule broken is not valid: format/,
      arrange: async (w) => {
        await w.db.query(
          `insert into etl_control.file_rules (name, key_glob, priority, active, definition) values ('broken', 'landing/broken/*', 1, true, '{"format":"xml"}')`,
        );
      },
    },
  ],
  [
    "the file is smaller than the rule's minimum",
    {
      status: "ABORTED",
      code: "TOO_SMALL",
      rule: "orders_csv",
      key: "landing/orders/csv/small.csv",
      body: () => fixture("orders.csv"),
      reason: /the file has 170 bytes, the rule needs at least 10000/,
      arrange: (w) => variant(w, "orders_csv", { minBytes: 10_000 }),
    },
  ],
  [
    "the follow-up is not on the allow-list",
    {
      status: "ABORTED",
      code: "FOLLOW_UP_NOT_ALLOWED",
      rule: "orders_merge",
      key: "landing/orders/merge/m.csv",
      body: () => fixture("orders-merge.csv"),
      reason: /the follow-up landed\.after_orders is not on the allow-list/,
      followUps: [],
    },
  ],
  [
    "the target table does not exist",
    {
      status: "ABORTED",
      code: "TARGET",
      rule: "orders_csv",
      key: "landing/orders/csv/t.csv",
      body: () => fixture("orders.csv"),
      reason: /the target table landed\.missing does not exist/,
      arrange: (w) => variant(w, "orders_csv", { target: { schema: "landed", table: "missing" } }),
    },
  ],
  [
    "a column is not in the target",
    {
      status: "ABORTED",
      code: "TARGET",
      rule: "orders_csv",
      key: "landing/orders/csv/c.csv",
      body: () => fixture("orders.csv"),
      reason: /landed\.orders has no column discount/,
      arrange: (w) =>
        variant(w, "orders_csv", {
          columns: [{ name: "order_id" }, { name: "customer" }, { name: "discount" }, { name: "sold_at" }],
        }),
    },
  ],
  [
    "the header lines are missing",
    {
      status: "ABORTED",
      code: "MISSING_HEADER",
      rule: "orders_csv",
      key: "landing/orders/csv/h.csv",
      body: () => fixture("orders-header-only.csv"),
      reason: /the file has 1 lines, the rule expects 2 header lines/,
      arrange: (w) => variant(w, "orders_csv", { headerLines: 2 }),
    },
  ],
  [
    "the header line is missing, and no trailer would notice a record short",
    {
      status: "ABORTED",
      code: "BAD_HEADER",
      rule: "orders_csv",
      key: "landing/orders/csv/no-header.csv",
      body: () => "1,A,1.00,2026-07-01 12:00:00\n2,B,2.00,2026-07-01 13:00:00\n",
      reason:
        /the header is "1,A,1\.00,2026-07-01 12:00:00", the rule expects "order_id,customer,amount,sold_at"/,
      arrange: async (w) => {
        const stored = await w.rules.get("orders_csv");
        if (!stored?.rule) throw new Error("no rule orders_csv");
        const { trailer: _, ...rest } = stored.rule;
        await w.rules.upsert(FileRuleSchema.parse(rest));
      },
    },
  ],
  [
    "the header does not match the rule's header pattern",
    {
      status: "ABORTED",
      code: "BAD_HEADER",
      rule: "orders_split",
      key: "landing/orders/split/p.txt",
      body: () => fixture("orders-split.txt").toString().replace("HEADER", "HEADAR"),
      reason: /the header "HEADAR 2026-07-06" does not match the rule's headerPattern/,
      arrange: (w) => variant(w, "orders_split", { headerPattern: "^HEADER \\d{4}-\\d{2}-\\d{2}$" }),
    },
  ],
  [
    "a fixed-width record shorter than the layout",
    {
      status: "ABORTED",
      code: "BAD_RECORD_LENGTH",
      rule: "orders_fixed",
      key: "landing/orders/fixed/short.fw",
      body: () => `${fixture("orders.fw").toString().split("\n")[0]}\nD000008Short\n`,
      reason: /line 2 has 12 characters, the layout needs 56/,
    },
  ],
  [
    "a JSON Lines integer beyond 2^53 for a numeric column",
    {
      status: "ABORTED",
      code: "NUMBER_PRECISION",
      rule: "orders_jsonl",
      key: "landing/orders/jsonl/big.jsonl.gz",
      body: () => gzipSync('{"ID": 8, "customer": "a"}\n{"ID": 9007199254740993, "customer": "b"}\n'),
      reason: /record 2 \(line 2\): ID is 9007199254740993, which a JSON number cannot carry exactly/,
    },
  ],
  [
    "the trailer is missing",
    {
      status: "ABORTED",
      code: "MISSING_TRAILER",
      rule: "orders_csv",
      key: "landing/orders/csv/n.csv",
      body: () => fixture("orders-header-only.csv"),
      reason: /the file has no trailer line/,
    },
  ],
  [
    "the trailer holds no count",
    {
      status: "ABORTED",
      code: "BAD_TRAILER",
      rule: "orders_csv",
      key: "landing/orders/csv/b.csv",
      body: () => fixture("orders-bad-trailer.csv"),
      reason: /the trailer has no record count at 9:14/,
    },
  ],
  [
    "the trailer's count differs from the records",
    {
      status: "ABORTED",
      code: "TRAILER_MISMATCH",
      rule: "orders_csv",
      key: "landing/orders/csv/m.csv",
      body: () => fixture("orders-trailer-mismatch.csv"),
      reason: /the trailer says 5 records, the file has 3/,
    },
  ],
  [
    "a record type is not a name",
    {
      status: "ABORTED",
      code: "BAD_RECORD_TYPE",
      rule: "orders_split",
      key: "landing/orders/split/b.txt",
      body: () => fixture("orders-bad-type.txt"),
      reason: /record 2 has record type "\?"/,
    },
  ],
  [
    "a record type is not expected",
    {
      status: "ABORTED",
      code: "UNKNOWN_RECORD_TYPE",
      rule: "orders_split",
      key: "landing/orders/split/u.txt",
      body: () => fixture("orders-unknown-type.txt"),
      reason: /record 2 has record type X, not one of D, N/,
    },
  ],
  [
    "the file has too many record types",
    {
      status: "ABORTED",
      code: "TOO_MANY_TYPES",
      rule: "orders_split",
      key: "landing/orders/split/many.txt",
      body: seventeenTypes,
      reason: /more than 16 record types/,
      arrange: (w) =>
        variant(w, "orders_split", { split: { start: 1, end: 1, to: "landing/orders/parts/" } }),
    },
  ],
  [
    "a split part would land where no rule takes it",
    {
      status: "ABORTED",
      code: "SPLIT_UNMATCHED",
      rule: "orders_split",
      key: "landing/orders/split/s.txt",
      body: () => fixture("orders-split.txt"),
      reason: /the D part would land at landing\/nowhere\/D\/[0-9a-f]{12}-s\.txt, which no valid rule takes/,
      arrange: (w) => variant(w, "orders_split", { split: { start: 1, end: 1, to: "landing/nowhere/" } }),
    },
  ],
  [
    "a gzip rule gets a file that is not gzip",
    {
      status: "ABORTED",
      code: "BAD_COMPRESSION",
      rule: "orders_jsonl",
      key: "landing/orders/jsonl/plain.jsonl.gz",
      body: () => fixture("orders.jsonl"),
      reason: /the file is not valid gzip/,
    },
  ],
  [
    "a Parquet rule gets a file that is not Parquet",
    {
      status: "ABORTED",
      code: "BAD_PARQUET",
      rule: "orders_parquet",
      key: "landing/orders/parquet/x.parquet",
      body: () => fixture("orders.csv"),
      reason: /not a readable Parquet file/,
    },
  ],
  [
    "the Parquet columns are not the rule's",
    {
      status: "ABORTED",
      code: "PARQUET_COLUMNS",
      rule: "orders_parquet",
      key: "landing/orders/parquet/p.parquet",
      body: () => fixture("orders.parquet"),
      reason:
        /the Parquet columns are order_id, customer, amount, sold_at; the rule expects order_id, customer, amount, sold_on/,
      arrange: (w) =>
        variant(w, "orders_parquet", {
          columns: [
            { name: "order_id" },
            { name: "customer" },
            { name: "amount" },
            { name: "sold_at", source: "sold_on" },
          ],
        }),
    },
  ],
  [
    "a value the column type refuses",
    {
      status: "FAILED",
      code: "PG_22P02",
      rule: "orders_csv",
      key: "landing/orders/csv/v.csv",
      body: () => fixture("orders-bad-amount.csv"),
      reason: /the load failed: .*invalid input syntax for type numeric: "twelve"/,
    },
  ],
  [
    "a key already in the table (append)",
    {
      status: "FAILED",
      code: "PG_23505",
      rule: "orders_csv",
      key: "landing/orders/csv/again.csv",
      body: () => fixture("orders.csv"),
      reason: /duplicate key value violates unique constraint "orders_pkey"/,
      arrange: async (w) => {
        await w.load("landing/orders/csv/first.csv", fixture("orders.csv"));
      },
    },
  ],
  [
    "a JSON Lines record that is not JSON",
    {
      status: "FAILED",
      code: "BAD_JSON_LINE",
      rule: "orders_jsonl",
      key: "landing/orders/jsonl/bad.jsonl.gz",
      body: () => gzipSync(fixture("orders-bad.jsonl")),
      reason: /record 2 is not JSON/,
    },
  ],
  [
    "a follow-up procedure that fails",
    {
      status: "FAILED",
      code: "PG_P0001",
      rule: "orders_merge",
      key: "landing/orders/merge/f.csv",
      body: () => fixture("orders-merge.csv"),
      reason: /the follow-up landed\.refuse failed: the follow-up refused/,
      arrange: (w) => variant(w, "orders_merge", { followUp: "landed.refuse" }),
    },
  ],
  [
    "bad data under a rule with a custom error message",
    {
      status: "FAILED",
      code: "PG_22P02",
      rule: "orders_odd",
      key: "landing/orders/odd/bad.txt",
      body: () => "x'y'1.00'2026-07-03 10:00:00\n",
      reason: /invalid input syntax for type integer: "x".* - Ask the odd-feed team to resend\.$/,
    },
  ],
];

describe("every ABORTED and FAILED reason on the local services", () => {
  it.each(cases)("%s", async (_, c) => {
    const w = await createFilesWorld(c.followUps ? { followUps: c.followUps } : {});
    world = w;
    await c.arrange?.(w);
    const before = await w.rows<{ n: number }>("select count(*)::int as n from landed.orders");
    const object = await w.land(c.key, c.body());

    const outcome = await runFileLoad(object, w.deps);

    const name = c.key.slice(c.key.lastIndexOf("/") + 1);
    const destination = `error/${c.rule}/${today()}/${name}`;
    expect(outcome).toMatchObject({ status: c.status, destination });
    expect(outcome.error).toMatch(c.reason);
    // Nothing of the file was loaded, it left landing/, and no processing copy stayed behind.
    expect(await w.rows("select count(*)::int as n from landed.orders")).toEqual(before);
    expect(await w.keys("landing/")).toEqual([]);
    expect(await w.keys("processing/")).toEqual([]);
    expect(await w.text(destination)).toBe(Buffer.from(c.body()).toString());
    const reason = JSON.parse(await w.text(`${destination}.reason.json`));
    expect(reason).toMatchObject({
      status: c.status,
      code: c.code,
      key: c.key,
      rule: c.rule === "unmatched" ? null : c.rule,
    });
    expect(reason.error).toMatch(c.reason);
    // Audited (item and failure), published and alerted.
    const items = (await w.audit(c.rule)).filter((i) => i.key === c.key);
    expect(items).toMatchObject([{ stage: "files", status: c.status, key: c.key }]);
    expect(String(items[0]?.error)).toMatch(c.reason);
    const failures = (await w.failures(c.rule)).filter((f) => f.key === c.key);
    expect(failures).toMatchObject([
      { stage: "files", retryable: false, details: { status: c.status, code: c.code, destination } },
    ]);
    expect(w.events().filter((e) => e.detail.key === c.key)).toMatchObject([
      { detail: { status: c.status, destination } },
    ]);
    const alerts = w.alerts().filter((a) => a.message.key === c.key);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toContain("failed, no retry (");
    expect(alerts[0]?.message).toMatchObject({ detail: { status: c.status, code: c.code } });
  });
});
