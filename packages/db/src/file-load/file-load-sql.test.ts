import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import type { FileLoadSpec } from "./file-load-spec";
import {
  copyCharLiteral,
  createFileStagingSql,
  DEFAULT_CSV,
  followUpSql,
  postgresCopySql,
  postgresWriteSql,
} from "./postgres-file-sql";
import {
  jsonPathsDocument,
  type RedshiftCopySource,
  redshiftDelimiterLiteral,
  redshiftFileBatchSql,
  redshiftFileCopySql,
  redshiftQuoteLiteral,
} from "./redshift-file-sql";

const ROLE = "arn:aws:iam::123456789012:role/etl-copy";
const URI = "s3://etl-landing/processing/sales_csv/2026/11/23/0f1e2d3c4b5a69788796a5b4c3d2e1f0.csv.gz";

function spec(overrides: Partial<FileLoadSpec> = {}): FileLoadSpec {
  return {
    schema: "sales",
    table: "orders",
    fields: [
      { column: "order_id", dataType: "integer" },
      {},
      { column: "amount", dataType: "numeric" },
      { column: "sold_at", dataType: "timestamp without time zone" },
      { column: "booked_at", dataType: "timestamp with time zone" },
    ],
    mode: "append",
    keys: [],
    timeZone: "UTC",
    ledger: {
      controlSchema: "etl",
      key: "landed:etl-landing/sales_csv/0f1e2d3c4b5a69788796a5b4c3d2e1f0",
      runId: "files:sales_csv",
      table: "sales.orders",
      sha256: "a".repeat(64),
      rows: 3,
      loadedAt: new Date("2026-11-23T14:00:00.000Z"),
    },
    ...overrides,
  };
}

const csvSource: RedshiftCopySource = {
  uri: URI,
  iamRoleArn: ROLE,
  format: { kind: "csv", delimiter: ",", quote: '"', escape: '"' },
  gzip: true,
};

describe("PostgreSQL file load SQL", () => {
  it.each(["append", "replace", "merge"] as const)("writes %s", (mode) => {
    const sqls = postgresWriteSql(spec({ mode, keys: mode === "merge" ? ["order_id"] : [] }));

    expect(sqls).toMatchSnapshot();
  });

  it("stages the file's fields with the target's types, fillers as text, zone-less timestamps with zone", () => {
    expect(createFileStagingSql(spec())).toMatchSnapshot();
  });

  it("writes the COPY's characters as hex escapes, never as the rule's text", () => {
    const sql = postgresCopySql(spec(), { delimiter: "'", quote: ";", escape: "\\" });

    expect(sql).toBe(
      `copy "_etl_file_stage" ("order_id", "_skip_2", "amount", "sold_at", "booked_at") from stdin with ` +
        `(format csv, delimiter E'\\x27', quote E'\\x3b', escape E'\\x5c')`,
    );
    expect(postgresCopySql(spec(), DEFAULT_CSV)).toContain(
      `delimiter E'\\x2c', quote E'\\x22', escape E'\\x22'`,
    );
  });

  it.each([
    ["two characters", "';"],
    ["a letter", "e"],
    ["a newline", "\n"],
    ["nothing", ""],
    ["a non-ASCII character", "¦"],
  ])("refuses %s as a COPY character", (_, char) => {
    expect(() => copyCharLiteral(char, "delimiter")).toThrow(DataError);
  });

  it.each([
    ["a table", { table: "orders; drop table orders" }],
    ["a schema", { schema: `sales"--` }],
    ["a column", { fields: [{ column: "a' or 1=1 --" }] }],
    ["a follow-up", { followUp: "etl.x();drop table t" }],
  ])("refuses %s that is not a plain name", (_, change) => {
    const bad = spec(change);

    expect(() => [
      ...postgresWriteSql(bad),
      ...createFileStagingSql(bad),
      followUpSql(bad.followUp ?? "a.b"),
    ]).toThrow(DataError);
  });

  it("calls the follow-up procedure by its quoted names", () => {
    expect(followUpSql("reporting.refresh_sales")).toBe(`call "reporting"."refresh_sales"()`);
  });
});

describe("Redshift file load SQL", () => {
  it.each([
    ["csv", csvSource],
    [
      "delimited with odd characters",
      { ...csvSource, format: { kind: "csv", delimiter: "'", quote: "~", escape: "~" } },
    ],
    [
      "tab delimited, uncompressed",
      { ...csvSource, gzip: false, format: { kind: "csv", delimiter: "\t", quote: '"', escape: '"' } },
    ],
    ["parquet", { ...csvSource, gzip: false, format: { kind: "parquet" } }],
  ] as [string, RedshiftCopySource][])("COPY for %s", (_, source) => {
    expect(redshiftFileCopySql(spec(), source)).toMatchSnapshot();
  });

  it("COPY for json lines reads its JSONPaths file from beside the data, not under the FROM prefix", () => {
    const data = "s3://etl-landing/processing/sales_json/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jsonl.gz";
    const paths = "s3://etl-landing/processing/sales_json/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jsonpaths";
    expect(
      redshiftFileCopySql(spec(), { ...csvSource, uri: data, format: { kind: "json", jsonPathsUri: paths } }),
    ).toBe(
      `copy "etl_file_stage" ("order_id", "_skip_2", "amount", "sold_at", "booked_at") from '${data}' ` +
        `iam_role 'arn:aws:iam::123456789012:role/etl-copy' format as json '${paths}' ` +
        "timeformat 'auto' dateformat 'auto' gzip",
    );
  });

  it("refuses a JSONPaths file under the COPY's FROM prefix (COPY would load it as data)", () => {
    expect(() =>
      redshiftFileCopySql(spec(), {
        ...csvSource,
        format: { kind: "json", jsonPathsUri: `${URI}.jsonpaths` },
      }),
    ).toThrow(/under the COPY's FROM prefix/);
  });

  it.each([
    ["append", spec()],
    ["replace", spec({ mode: "replace" })],
    [
      "merge with a follow-up",
      spec({ mode: "merge", keys: ["order_id"], followUp: "reporting.refresh_sales" }),
    ],
    ["append in Europe/London", spec({ timeZone: "Europe/London" })],
  ])("batch for %s", (_, input) => {
    const sqls = redshiftFileBatchSql(input, csvSource);

    expect(sqls.length).toBeLessThanOrEqual(40);
    expect(sqls).toMatchSnapshot();
  });

  it.each([
    ["a delimiter with a quote", "'", "'\\047'"],
    ["a semicolon", ";", "';'"],
    ["a backslash", "\\", "'\\134'"],
    ["a pipe", "|", "'|'"],
    ["a tab", "\t", "'\\011'"],
  ])("writes %s as %s", (_, char, literal) => {
    expect(redshiftDelimiterLiteral(char)).toBe(literal);
  });

  it.each([
    ["a quote that is a single quote", () => redshiftQuoteLiteral("'")],
    ["a quote that is a backslash", () => redshiftQuoteLiteral("\\")],
    [
      "an escape other than the quote",
      () =>
        redshiftFileCopySql(spec(), {
          ...csvSource,
          format: { kind: "csv", delimiter: ",", quote: '"', escape: "\\" },
        }),
    ],
    [
      "an S3 URI with a quote",
      () => redshiftFileCopySql(spec(), { ...csvSource, uri: "s3://b/landing/x';drop table t;--.csv" }),
    ],
    [
      "a role that is not an IAM role",
      () => redshiftFileCopySql(spec(), { ...csvSource, iamRoleArn: "x' credentials 'y" }),
    ],
    ["gzip Parquet", () => redshiftFileCopySql(spec(), { ...csvSource, format: { kind: "parquet" } })],
    ["a time zone with a quote", () => redshiftFileBatchSql(spec({ timeZone: "UTC'--" }), csvSource)],
    ["a JSON key with a quote", () => jsonPathsDocument(["a']"])],
  ])("refuses %s", (_, build) => {
    expect(build).toThrow(DataError);
  });

  it("maps JSON Lines keys to the fields in order with bracketed paths", () => {
    expect(JSON.parse(jsonPathsDocument(["order id", "amount"]))).toEqual({
      jsonpaths: ["$['order id']", "$['amount']"],
    });
  });
});
