import { DataError, STAR_TABLE_NAMES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { classifyStatementError } from "./classify";
import { copyManifest, iamRoleLiteral, sqlLiteral, timestampLiteral } from "./literals";
import { finishRunSql } from "./run-ledger-sql";
import { redshiftStagingDdl, redshiftStagingTablesDdl, type TableBatchInput, tableBatchSql } from "./sql";

const RUN = "20261123T141500123Z-00000001";

function batch(overrides: Partial<TableBatchInput> = {}): TableBatchInput {
  return {
    schema: "warehouse",
    controlSchema: "etl",
    table: "dim_location",
    runId: RUN,
    source: { uri: `s3://etl-processed/star/dim_location/2026/11/23/${RUN}-0001.parquet`, manifest: false },
    iamRoleArn: "arn:aws:iam::123456789012:role/etl-redshift-copy",
    files: [{ key: `star/dim_location/2026/11/23/${RUN}-0001.parquet`, sha256: "0".repeat(64), rows: 30 }],
    loadedAt: new Date("2026-11-23T15:00:00.123Z"),
    ...overrides,
  };
}

describe("tableBatchSql", () => {
  it("matches the snapshot for a dimension from one file", () => {
    expect(tableBatchSql(batch())).toMatchSnapshot();
  });

  it("matches the snapshot for dim_date", () => {
    expect(
      tableBatchSql(
        batch({
          table: "dim_date",
          source: { uri: "s3://etl-processed/star/dim_date/x-0001.parquet", manifest: false },
          files: [{ key: "star/dim_date/x-0001.parquet", sha256: "1".repeat(64), rows: 3 }],
        }),
      ),
    ).toMatchSnapshot();
  });

  it("matches the snapshot for a fact from a COPY manifest of two files", () => {
    const statements = tableBatchSql(
      batch({
        table: "fact_sales_order",
        source: {
          uri: `s3://etl-processed/control/copy-manifests/${RUN}/fact_sales_order.manifest`,
          manifest: true,
        },
        files: [
          { key: "star/fact_sales_order/a-0001.parquet", sha256: "2".repeat(64), rows: 1000000 },
          { key: "star/fact_sales_order/a-0002.parquet", sha256: "3".repeat(64), rows: 5 },
        ],
      }),
    );

    expect(statements).toMatchSnapshot();
    expect(statements[1]).toMatch(/ format as parquet manifest$/);
  });

  it.each(STAR_TABLE_NAMES)(
    "keeps %s within one batch of at most 40 statements, without MAXERROR, REGION or keys",
    (table) => {
      const statements = tableBatchSql(batch({ table }));

      expect(statements.length).toBeLessThanOrEqual(40);
      const text = statements.join("\n").toLowerCase();
      expect(text).not.toMatch(/maxerror|region|credentials|access_key|truncate/);
      expect(statements[0]).toBe(`delete from "warehouse"."stg_${table}"`);
      expect(statements.at(-2)).toBe(`delete from "warehouse"."stg_${table}"`);
    },
  );

  it("casts time text to TIME only in the deduplicated source", () => {
    const [, copy, dedupe] = tableBatchSql(batch({ table: "fact_payment" }));

    expect(copy).not.toContain("cast(");
    expect(dedupe).toContain('cast("created_time" as time) as "created_time"');
    expect(dedupe).toContain('cast("last_updated_time" as time) as "last_updated_time"');
  });

  it("refuses a key with a quote before it can reach SQL", () => {
    const bad = batch({
      files: [{ key: "star/x'; drop table y; --.parquet", sha256: "0".repeat(64), rows: 1 }],
    });

    expect(() => tableBatchSql(bad)).toThrow(DataError);
  });

  it("refuses a batch without files", () => {
    expect(() => tableBatchSql(batch({ files: [] }))).toThrow("no files to load into dim_location");
  });
});

describe("sqlLiteral", () => {
  it.each([
    ["star/dim_date/2026/11/23/20261123T141500123Z-00000001-0001.parquet"],
    ["s3://etl-processed/a b/c=d+e@f,g.parquet"],
    ["arn:aws:iam::123456789012:role/etl"],
  ])("quotes %s", (value) => {
    expect(sqlLiteral(value)).toBe(`'${value}'`);
  });

  it.each([["it's"], ["back\\slash"], ["semi;colon"], ["new\nline"], ['quote"'], ["é"]])(
    "refuses %j",
    (value) => {
      expect(() => sqlLiteral(value, "object key")).toThrow(/refused object key in SQL/);
    },
  );

  it("checks the COPY role is an IAM role ARN", () => {
    expect(iamRoleLiteral("arn:aws:iam::123456789012:role/service-role/etl-copy")).toBe(
      "'arn:aws:iam::123456789012:role/service-role/etl-copy'",
    );
    expect(() => iamRoleLiteral("aws_access_key_id=AKIA;aws_secret_access_key=x")).toThrow(
      "not an IAM role ARN",
    );
  });

  it("writes timestamps both dialects read", () => {
    expect(timestampLiteral(new Date("2026-11-23T15:00:00.123Z"))).toBe(
      "cast('2026-11-23 15:00:00.123+00' as timestamptz)",
    );
  });
});

describe("staging DDL", () => {
  it("carries time as text and distributes facts like their target", () => {
    const ddl = redshiftStagingDdl("warehouse", "fact_sales_order");

    expect(ddl).toContain('"created_time" varchar(32)');
    expect(ddl).toContain('"unit_price" numeric(10,2)');
    expect(ddl).toMatch(/diststyle key distkey \("sales_order_id"\)$/);
    expect(redshiftStagingTablesDdl()).toHaveLength(STAR_TABLE_NAMES.length);
  });
});

describe("finishRunSql and copyManifest", () => {
  it("replace the run row and list files with their exact content length", () => {
    const run = finishRunSql({
      controlSchema: "etl",
      runId: RUN,
      target: "redshift",
      startedAt: new Date("2026-11-23T15:00:00Z"),
      finishedAt: new Date("2026-11-23T15:01:00Z"),
      files: 2,
      rows: 10,
    });
    const manifest = JSON.parse(copyManifest([{ uri: "s3://b/k1.parquet", bytes: 1234 }]));

    expect(run).toMatchSnapshot();
    expect(manifest).toEqual({
      entries: [{ url: "s3://b/k1.parquet", mandatory: true, meta: { content_length: 1234 } }],
    });
  });
});

describe("classifyStatementError", () => {
  it.each([
    [
      "ERROR: 1023 DETAIL: Serializable isolation violation on table - 101, transactions forming the cycle are: 1, 2",
      "serialization",
    ],
    ["Serializable isolation violation on table", "serialization"],
    [
      "ERROR: Load into table 'stg_fact_sales_order' failed. Check 'sys_load_error_detail' system table for details.",
      "terminal",
    ],
    ["ERROR: Spectrum Scan Error: File has an incompatible Parquet schema for column", "terminal"],
    ["FATAL: terminating connection due to administrator command", "transient"],
    [undefined, "terminal"],
  ])("classifies %j as %s", (error, kind) => {
    expect(classifyStatementError(error)).toBe(kind);
  });
});
