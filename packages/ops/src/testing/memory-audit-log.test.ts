import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { createMemoryAlerter } from "./memory-alerter";
import { createMemoryAuditLog } from "./memory-audit-log";

const now = new Date("2026-11-23T14:15:00.000Z");

describe("createMemoryAuditLog", () => {
  it("keeps one item per key and attempt, the last one winning", async () => {
    const audit = createMemoryAuditLog({ clock: () => now });

    await audit.record([
      { stage: "load", runId: "R", key: "k1", attempt: "a1", status: "STARTED" },
      { stage: "load", runId: "R", key: "k2", attempt: "a1", status: "STARTED" },
    ]);
    await audit.record([
      { stage: "load", runId: "R", key: "k1", attempt: "a1", status: "FINISHED", rows: 5 },
    ]);

    expect(audit.items.map((i) => [i.sk, i.status])).toEqual([
      ["k1#a1", "FINISHED"],
      ["k2#a1", "STARTED"],
    ]);
  });

  it("stores failures redacted and fails on demand", async () => {
    const audit = createMemoryAuditLog({ clock: () => now });
    audit.failNextRecord();

    const failed = audit.record([{ stage: "ingest", runId: "R", key: "-", attempt: "a", status: "FAILED" }]);
    await audit.recordFailure({
      stage: "load",
      runId: "R",
      error: "x",
      retryable: false,
      sql: "PASSWORD 'p'",
    });

    await expect(failed).rejects.toBeInstanceOf(TransientError);
    expect(audit.items).toEqual([]);
    expect(audit.failures).toEqual([expect.objectContaining({ pk: "load#R", sql: "PASSWORD '***'" })]);
  });
});

describe("createMemoryAlerter", () => {
  it("keeps the subject and JSON message SNS would get", async () => {
    const alerter = createMemoryAlerter({ clock: () => now });

    await alerter.alert({
      stage: "transform",
      runId: "R",
      table: "dim_staff",
      subject: "bad line",
      detail: { line: 3 },
    });

    expect(alerter.sent).toEqual([
      {
        alert: expect.objectContaining({ subject: "bad line" }),
        subject: "ETL transform dim_staff: bad line",
        message: {
          stage: "transform",
          runId: "R",
          table: "dim_staff",
          subject: "bad line",
          at: "2026-11-23T14:15:00.000Z",
          detail: { line: 3 },
        },
      },
    ]);
  });
});
