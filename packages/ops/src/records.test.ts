import { describe, expect, it } from "vitest";
import { MAX_SQL_CHARS, toAuditRecord, toFailureRecord } from "./records";

const now = new Date("2026-11-23T14:15:00.000Z");
const epoch = Math.floor(now.getTime() / 1000);

describe("toAuditRecord", () => {
  it("keys the item by stage#runId and key#attempt, with a TTL in epoch seconds", () => {
    const record = toAuditRecord(
      {
        stage: "load",
        runId: "R1",
        key: "star/t/a.parquet",
        attempt: "2026-11-23T14:14:00.000Z",
        status: "FINISHED",
        rows: 10,
      },
      { now, ttlDays: 400 },
    );

    expect(record).toEqual({
      pk: "load#R1",
      sk: "star/t/a.parquet#2026-11-23T14:14:00.000Z",
      stage: "load",
      runId: "R1",
      key: "star/t/a.parquet",
      attempt: "2026-11-23T14:14:00.000Z",
      status: "FINISHED",
      rows: 10,
      recordedAt: "2026-11-23T14:15:00.000Z",
      expiresAt: epoch + 400 * 86_400,
    });
  });

  it("redacts the error and sets no TTL when none is configured", () => {
    const record = toAuditRecord(
      {
        stage: "ingest",
        runId: "R",
        key: "-",
        attempt: "a",
        status: "FAILED",
        error: "auth failed for postgres://u:pw@h/d",
      },
      { now },
    );

    expect(record.error).toBe("auth failed for postgres://u:***@h/d");
    expect(record.expiresAt).toBeUndefined();
  });
});

describe("toFailureRecord", () => {
  it("redacts error, SQL and details and keys by time and a suffix", () => {
    const record = toFailureRecord(
      {
        stage: "load",
        runId: "R1",
        error: "COPY failed",
        retryable: false,
        table: "fact_sales_order",
        sql: "COPY x FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=A;aws_secret_access_key=B'",
        details: { password: "p", loadErrors: [{ line: 3, reason: "bad date" }] },
      },
      { now, suffix: "ab12cd34" },
    );

    expect(record).toEqual({
      pk: "load#R1",
      sk: "2026-11-23T14:15:00.000Z#ab12cd34",
      at: "2026-11-23T14:15:00.000Z",
      stage: "load",
      runId: "R1",
      error: "COPY failed",
      retryable: false,
      table: "fact_sales_order",
      sql: "COPY x FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=***;aws_secret_access_key=***'",
      details: { password: "***", loadErrors: [{ line: 3, reason: "bad date" }] },
    });
  });

  it("caps very long SQL", () => {
    const record = toFailureRecord(
      { stage: "load", runId: "R", error: "e", retryable: true, sql: "x".repeat(MAX_SQL_CHARS + 5) },
      { now, suffix: "s" },
    );

    expect(record.sql).toBe(`${"x".repeat(MAX_SQL_CHARS)}... [5 more characters]`);
  });
});
