import { describe, expect, it } from "vitest";
import { auditSortKey, MAX_SQL_CHARS, toAuditRecord, toFailureRecord } from "./records";

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

describe("auditSortKey", () => {
  const attempt = "2026-11-23T14:14:00.000Z";

  it("keeps key#attempt while it fits DynamoDB's 1,024-byte sort key", () => {
    const key = `landing/${"a".repeat(1024 - "landing/".length - attempt.length - 1)}`;

    expect(auditSortKey(key, attempt)).toBe(`${key}#${attempt}`);
    expect(Buffer.byteLength(auditSortKey(key, attempt))).toBe(1024);
  });

  it("bounds the sort key of any legal S3 key (1,024 bytes of UTF-8): a readable start and a hash", () => {
    const key = `landing/${"é/".repeat(338)}xx`;
    expect(Buffer.byteLength(key)).toBe(1024);
    const other = `${key.slice(0, -1)}y`;

    const sk = auditSortKey(key, attempt);

    expect(Buffer.byteLength(sk)).toBeLessThanOrEqual(1024);
    expect(sk).toMatch(/^landing\/(é\/)+é?#sha256:[0-9a-f]{64}#2026-11-23T14:14:00\.000Z$/);
    expect(sk).not.toContain("\uFFFD");
    expect(auditSortKey(other, attempt)).not.toBe(sk);
    expect(auditSortKey(key, attempt)).toBe(sk);
  });

  it("is the sort key of the stored audit item, which keeps the whole key", () => {
    const key = `landing/${"k/".repeat(600)}`;

    const record = toAuditRecord({ stage: "files", runId: "r", key, attempt, status: "FINISHED" }, { now });

    expect(record.sk).toBe(auditSortKey(key, attempt));
    expect(record.key).toBe(key);
    expect(Buffer.byteLength(record.sk)).toBeLessThanOrEqual(1024);
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
