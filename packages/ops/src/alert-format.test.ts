import { describe, expect, it } from "vitest";
import { alertMessage, alertSubject, MAX_SUBJECT_CHARS } from "./alert-format";
import type { Alert } from "./ports";

const alert = (overrides: Partial<Alert> = {}): Alert => ({
  stage: "load",
  runId: "20261123T141500123Z-00000042",
  table: "fact_sales_order",
  key: "star/fact_sales_order/2026/11/23/20261123T141500123Z-00000042-0001.parquet",
  subject: "COPY failed",
  detail: { error: "boom" },
  ...overrides,
});

describe("alertSubject", () => {
  it.each([
    [
      "stage, table and file",
      alert(),
      "ETL load fact_sales_order 20261123T141500123Z-00000042-0001.parquet: COPY failed",
    ],
    [
      "no table or key",
      alert({ table: undefined, key: undefined, stage: "ingest" }),
      "ETL ingest: COPY failed",
    ],
    [
      "non-ASCII and line breaks",
      alert({ subject: "café\nfailed\t\u{1F389}", key: "landing/Straße.csv", stage: "files", table: "t" }),
      "ETL files t Stra?e.csv: cafe failed ?",
    ],
    [
      "a secret in the subject",
      alert({ subject: "connect postgres://etl:hunter2@db/wh failed", key: undefined, table: undefined }),
      "ETL load: connect postgres://etl:***@db/wh failed",
    ],
  ])("names %s", (_case, input, expected) => {
    expect(alertSubject(input)).toBe(expected);
  });

  it("shortens a long subject at its end and keeps stage, table and file", () => {
    const subject = alertSubject(alert({ subject: `COPY failed: ${"x".repeat(200)}` }));

    expect(subject.length).toBe(MAX_SUBJECT_CHARS);
    expect(subject).toMatch(
      /^ETL load fact_sales_order 20261123T141500123Z-00000042-0001\.parquet: COPY failed: x+\.\.\.$/,
    );
  });

  it("shortens a long file name in the middle, keeping its part number", () => {
    const key = `landing/${"very-long-feed-name-".repeat(6)}2026-11-23-part-0007.csv`;

    const subject = alertSubject(
      alert({ stage: "files", table: "sales_feed", key, subject: "trailer count mismatch" }),
    );

    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    expect(subject).toMatch(
      /^ETL files sales_feed very-long-feed-na.*\.\.\..*part-0007\.csv: trailer count mismatch$/,
    );
  });

  it("shortens the file name in the middle when that keeps the whole subject text", () => {
    const key = "star/dim_date/2026/11/23/20261123T141500123Z-00000042-0a1b2c3d-0001.parquet";

    const subject = alertSubject(
      alert({ table: "dim_date", key, subject: "REDSHIFT_SERIALIZATION, retrying" }),
    );

    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    expect(subject).toMatch(
      /^ETL load dim_date 20261123T.*\.\.\..*-0001\.parquet: REDSHIFT_SERIALIZATION, retrying$/,
    );
  });

  it("never exceeds the limit, whatever the lengths", () => {
    const subject = alertSubject(
      alert({ table: "t".repeat(150), key: "k".repeat(150), subject: "s".repeat(150) }),
    );

    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    expect(subject).toMatch(/^ETL load t+/);
  });
});

describe("alertMessage", () => {
  it("is JSON with the alert's fields, the time and the redacted detail", () => {
    const message = alertMessage(
      alert({ detail: { sql: "ALTER USER x PASSWORD 'p'", password: "hunter2", rows: 3 } }),
      new Date("2026-11-23T14:15:00.000Z"),
    );

    expect(JSON.parse(message)).toEqual({
      stage: "load",
      runId: "20261123T141500123Z-00000042",
      table: "fact_sales_order",
      key: "star/fact_sales_order/2026/11/23/20261123T141500123Z-00000042-0001.parquet",
      subject: "COPY failed",
      at: "2026-11-23T14:15:00.000Z",
      detail: { sql: "ALTER USER x PASSWORD '***'", password: "***", rows: 3 },
    });
  });

  it("cuts a huge detail and says so", () => {
    const message = alertMessage(alert({ detail: { rows: "x".repeat(500_000) } }), new Date(0));

    expect(message.length).toBeLessThan(256 * 1024);
    expect(JSON.parse(message).detail.truncated).toBe(true);
  });
});
