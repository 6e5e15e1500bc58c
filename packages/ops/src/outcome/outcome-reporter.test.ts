import { DataError, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import type { AuditItem } from "../ports";
import { createMemoryAlerter } from "../testing/memory-alerter";
import { createMemoryAuditLog } from "../testing/memory-audit-log";
import { createOutcomeReporter } from "./outcome-reporter";

const RUN = "20240101T000000000Z-00000001";
const ATTEMPT = "2024-01-01T00:30:00.000Z";

function setup() {
  const audit = createMemoryAuditLog();
  const alerter = createMemoryAlerter();
  const warnings: string[] = [];
  const reporter = createOutcomeReporter({
    stage: "transform",
    audit,
    alerter,
    isWait: (error) => error instanceof TransientError && error.message.startsWith("wait"),
    logger: { warn: (message) => warnings.push(message) },
  });
  return { audit, alerter, reporter, warnings };
}

const runItem = (error: string): AuditItem => ({
  stage: "transform",
  runId: RUN,
  key: "-",
  status: "FAILED",
  attempt: ATTEMPT,
  error,
});

describe("createOutcomeReporter", () => {
  it("audits a success and nothing else", async () => {
    const { audit, alerter, reporter } = setup();

    await reporter.succeeded([{ ...runItem(""), status: "FINISHED", error: undefined }]);

    expect(audit.items.map((i) => i.status)).toEqual(["FINISHED"]);
    expect(audit.failures).toEqual([]);
    expect(alerter.sent).toEqual([]);
  });

  it("records and alerts a permanent failure with its place and code", async () => {
    const { audit, alerter, reporter } = setup();
    const error = new DataError("bad row", { code: "BAD_RAW_ROW" });

    const decision = await reporter.failed({
      runId: RUN,
      error,
      audit: [runItem("bad row")],
      table: "sales_order",
      key: "raw/x.jsonl.gz",
      details: { bucket: "ingest" },
      delivery: { receiveCount: 2, maxReceiveCount: 5, queue: "transform", messageId: "m-1" },
    });

    expect(decision.alert).toBe("failed");
    expect(audit.items.map((i) => i.status)).toEqual(["FAILED"]);
    expect(audit.failures).toEqual([
      expect.objectContaining({
        stage: "transform",
        runId: RUN,
        error: "bad row",
        retryable: false,
        key: "raw/x.jsonl.gz",
        table: "sales_order",
        details: expect.objectContaining({ code: "BAD_RAW_ROW", bucket: "ingest", receiveCount: 2 }),
      }),
    ]);
    expect(alerter.sent.map((a) => a.alert)).toEqual([
      expect.objectContaining({
        stage: "transform",
        runId: RUN,
        table: "sales_order",
        key: "raw/x.jsonl.gz",
        subject: "failed, no retry (BAD_RAW_ROW)",
        detail: expect.objectContaining({
          error: "bad row",
          code: "BAD_RAW_ROW",
          retryable: false,
          queue: "transform",
        }),
      }),
    ]);
  });

  it("on the last receive turns the attempt's FAILED items into DEAD_LETTERED and says how to redrive", async () => {
    const { audit, alerter, reporter } = setup();

    await reporter.failed({
      runId: RUN,
      error: new TransientError("S3 is down"),
      audit: [runItem("S3 is down")],
      delivery: { receiveCount: 5, maxReceiveCount: 5, queue: "transform" },
    });

    expect(audit.items.map((i) => [i.status, i.error])).toEqual([
      ["DEAD_LETTERED", "S3 is down (dead-lettered by transform after 5 receives)"],
    ]);
    expect(audit.failures).toEqual([
      expect.objectContaining({ retryable: true, details: expect.objectContaining({ deadLettered: true }) }),
    ]);
    expect(alerter.sent.map((a) => a.alert.subject)).toEqual(["dead-lettered after 5 receives (TRANSIENT)"]);
    expect(alerter.sent[0]?.alert.detail.redrive).toContain("etl replay --dead-letters");
  });

  it("does not alert a wait before its last receive", async () => {
    const { audit, alerter, reporter } = setup();

    await reporter.failed({
      runId: RUN,
      error: new TransientError("wait for run 1"),
      audit: [runItem("wait for run 1")],
      delivery: { receiveCount: 1, maxReceiveCount: 5 },
    });

    expect(audit.items.map((i) => i.status)).toEqual(["FAILED"]);
    expect(audit.failures).toEqual([]);
    expect(alerter.sent).toEqual([]);
  });

  it("reports an unknown error as retryable (code UNKNOWN)", async () => {
    const { alerter, reporter } = setup();

    await reporter.failed({
      runId: RUN,
      error: new Error("boom"),
      audit: [],
      delivery: { receiveCount: 1, maxReceiveCount: 5 },
    });

    expect(alerter.sent.map((a) => a.alert.subject)).toEqual(["failing, will retry (UNKNOWN)"]);
  });

  it("still alerts when the audit refuses, and throws a permanent failure it could not record as retryable", async () => {
    const { audit, alerter, reporter, warnings } = setup();
    audit.failNextRecord();

    const reporting = reporter.failed({
      runId: RUN,
      error: new DataError("bad row", { code: "BAD_RAW_ROW" }),
      audit: [runItem("bad row")],
    });

    await expect(reporting).rejects.toMatchObject({ retryable: true });
    await expect(reporting).rejects.toThrow("bad row (and reporting it failed: audit:");
    expect(audit.failures).toHaveLength(1);
    expect(alerter.sent).toHaveLength(1);
    expect(warnings).toEqual(["could not report a failure"]);
  });

  it("logs, and does not throw, when reporting a retryable failure fails: the message is retried anyway", async () => {
    const { alerter, reporter, warnings } = setup();
    alerter.failNext();

    const decision = await reporter.failed({
      runId: RUN,
      error: new TransientError("S3 is down"),
      audit: [],
    });

    expect(decision.alert).toBe("failing");
    expect(warnings).toEqual(["could not report a failure"]);
  });

  it("says in a permanent failure's alert that it blocks the later runs, and how to unblock", async () => {
    const { alerter, reporter } = setup();

    await reporter.failed({
      runId: RUN,
      error: new DataError("sha256 differs", { code: "CHECKSUM_MISMATCH" }),
      audit: [runItem("sha256 differs")],
      blocking: `transform blocked since run ${RUN}: later runs wait behind it`,
    });

    expect(alerter.sent.map((a) => a.subject)).toEqual(["ETL transform: BLOCKING (CHECKSUM_MISMATCH)"]);
    expect(alerter.sent[0]?.alert.detail).toMatchObject({
      blocked: `transform blocked since run ${RUN}: later runs wait behind it`,
      unblock: expect.stringContaining("etl skip"),
    });
  });

  it("does not alert again a run that already blocks its stage, but audits and records it", async () => {
    const { audit, alerter, reporter } = setup();

    await reporter.failed({
      runId: RUN,
      error: new DataError("sha256 differs", { code: "CHECKSUM_MISMATCH" }),
      audit: [runItem("sha256 differs")],
      stillBlocking: true,
    });

    expect(alerter.sent).toEqual([]);
    expect(audit.items.map((i) => i.status)).toEqual(["FAILED"]);
    expect(audit.failures.map((f) => f.runId)).toEqual([RUN]);
  });
});
