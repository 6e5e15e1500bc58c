import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { listBlockedRuns, recordBlockage, recordBlockedRun, recordSkippedRun } from "@etl/ops";
import { createMemoryStateStore } from "@etl/ops/testing";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { blockageLines, blockageStatus, redeliverBlockedRuns } from "./blocked-runs";
import { awsTarget } from "./operator";

const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);

const R2 = "20261124T141500123Z-00000002";
const R3 = "20261125T141500123Z-00000003";
const R4 = "20261126T141500123Z-00000004";
const ENV = {
  AWS_REGION: "eu-west-2",
  INGEST_BUCKET: "etl-ingest",
  PROCESSED_BUCKET: "etl-processed",
  AUDIT_TABLE: "etl-audit",
  FAILURE_TABLE: "etl-failures",
  STATE_TABLE: "etl-state",
  LOAD_QUEUE_URL: "https://sqs.eu-west-2.amazonaws.com/123456789012/etl-load.fifo",
  TRANSFORM_QUEUE_URL: "https://sqs.eu-west-2.amazonaws.com/123456789012/etl-transform",
};

beforeEach(() => {
  s3.reset();
  sqs.reset();
  s3.on(HeadObjectCommand).resolves({ ContentLength: 321, ETag: '"abc"' });
  sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
});

describe("redeliverBlockedRuns on AWS", () => {
  it("sends each run held behind the blockage to the FIFO load queue, oldest first, as EventBridge's event, and forgets it", async () => {
    const state = createMemoryStateStore();
    await recordBlockedRun(state, { stage: "load", runId: R4, behind: R2, since: "t" });
    await recordBlockedRun(state, { stage: "load", runId: R3, behind: R2, since: "t" });

    const runs = await redeliverBlockedRuns(awsTarget(ENV), "/nowhere", state, "load", R2);

    expect(runs.map((r) => r.runId)).toEqual([R3, R4]);
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent.map((m) => [m.QueueUrl, m.MessageGroupId])).toEqual([
      [ENV.LOAD_QUEUE_URL, "warehouse"],
      [ENV.LOAD_QUEUE_URL, "warehouse"],
    ]);
    expect(sent.map((m) => JSON.parse(m.MessageBody ?? "{}").detail.object.key)).toEqual([
      `runs/${R3}.json`,
      `runs/${R4}.json`,
    ]);
    expect(s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: "etl-processed", Key: `runs/${R3}.json` },
      { Bucket: "etl-processed", Key: `runs/${R4}.json` },
    ]);
    expect(await listBlockedRuns(state, "load")).toEqual([]);
  });

  it("sends runs held behind a transform blockage to the transform queue in S3's shape, without a group", async () => {
    const state = createMemoryStateStore();
    await recordBlockedRun(state, { stage: "transform", runId: R3, behind: R2, since: "t" });

    await redeliverBlockedRuns(awsTarget(ENV), "/nowhere", state, "transform", R2);

    const [message] = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(message?.QueueUrl).toBe(ENV.TRANSFORM_QUEUE_URL);
    expect(message?.MessageGroupId).toBeUndefined();
    expect(JSON.parse(message?.MessageBody ?? "{}").Records[0].s3).toMatchObject({
      bucket: { name: "etl-ingest" },
      object: { key: `runs/${R3}.json` },
    });
  });
});

describe("blockageLines", () => {
  it("says which stage is blocked since which run, why, what waits, and both ways out", async () => {
    const state = createMemoryStateStore();
    await recordBlockage(state, {
      stage: "load",
      runId: R2,
      code: "CHECKSUM_MISMATCH",
      reason: "fact_sales_order star/x.parquet: sha256 differs",
      since: "2026-12-05T12:00:00.000Z",
      key: "star/x.parquet",
    });
    await recordBlockedRun(state, { stage: "load", runId: R3, behind: R2, since: "t" });
    await recordBlockedRun(state, { stage: "transform", runId: R4, behind: R3, since: "t" });
    await recordSkippedRun(state, {
      stage: "load",
      runId: "20261120T141500123Z-00000001",
      reason: "lost",
      by: "ops",
      at: "t",
      previousRunId: null,
    });

    const lines = blockageLines(await blockageStatus(state));

    expect(lines).toEqual([
      `load BLOCKED since run ${R2} because fact_sales_order star/x.parquet: sha256 differs (CHECKSUM_MISMATCH, failed 2026-12-05T12:00:00.000Z)`,
      `  1 run(s) wait behind it: ${R3} (and every later run not loaded yet)`,
      `  fix and replay: put back a good copy of star/x.parquet, then \`etl replay ${R2}\``,
      `  or skip it:     \`etl skip ${R2} --reason "..."\` (recorded; docs/operations.md says what it means)`,
      `transform run ${R4} is held behind run ${R3}, which no longer blocks: \`etl replay ${R3}\` delivers it`,
      "runs skipped on the record:",
      "  load      20261120T141500123Z-00000001 by ops at t: lost",
    ]);
  });
});
