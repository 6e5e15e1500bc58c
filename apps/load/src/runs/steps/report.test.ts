import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { LoadDataError, LoadTransientError } from "@etl/db/errors";
import { createSnsAlerter } from "@etl/ops/aws";
import { createOutcomeReporter } from "@etl/ops/outcome";
import { createMemoryAuditLog } from "@etl/ops/testing";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { LoadPlan } from "./plan-load";
import { reportFailure } from "./report";

const sns = mockClient(SNSClient);
const TOPIC = "arn:aws:sns:eu-west-2:123456789012:etl-alerts";
const RUN = "20261123T141500123Z-00000001";
const FACT_KEY = `star/fact_sales_order/2026/11/23/${RUN}-0001.parquet`;
const SECRETS = ["hunter2", "wJalrXUtnFEMI/K7MDENG", "AKIAIOSFODNN7EXAMPLE"];

const plan: LoadPlan = {
  runId: RUN,
  bucket: "etl-processed",
  tables: [
    {
      table: "dim_date",
      files: [
        {
          table: "dim_date",
          key: `star/dim_date/${RUN}-0001.parquet`,
          rows: 3,
          bytes: 900,
          sha256: "a".repeat(64),
          etag: '"d"',
        },
      ],
    },
    {
      table: "fact_sales_order",
      files: [
        {
          table: "fact_sales_order",
          key: FACT_KEY,
          rows: 2,
          bytes: 1200,
          sha256: "b".repeat(64),
          etag: '"f"',
        },
      ],
    },
  ],
};

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
});

function published() {
  const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
  return { subject: input?.Subject ?? "", message: input?.Message ?? "", topic: input?.TopicArn };
}

describe("reportFailure through SNS", () => {
  it("publishes a subject naming stage, table and file, and a JSON body, without secrets", async () => {
    const audit = createMemoryAuditLog();
    const alerter = createSnsAlerter({ client: new SNSClient({ region: "eu-west-2" }), topicArn: TOPIC });
    const error = new LoadDataError(
      "fact_sales_order: connection postgres://etl:hunter2@warehouse:5432/dw refused the row",
      {
        table: "fact_sales_order",
        key: FACT_KEY,
        statementId: "b-7",
        sql: "copy x from 's3://b/k' credentials 'aws_access_key_id=AKIAIOSFODNN7EXAMPLE;aws_secret_access_key=wJalrXUtnFEMI/K7MDENG' password 'hunter2'",
        details: { loadErrors: [{ column_name: "unit_price", error_message: "Overflow" }] },
      },
      { code: "REDSHIFT_LOAD_FAILED" },
    );

    await reportFailure(
      createOutcomeReporter({ stage: "load", audit, alerter }),
      { runId: RUN, bucket: "etl-processed", attempt: "2026-11-23T15:00:00.000Z", plan },
      error,
      [],
      1234,
      { receiveCount: 2, maxReceiveCount: 10, queue: "etl-load-runs.fifo", messageId: "m-1" },
    );

    const { subject, message, topic } = published();
    expect(topic).toBe(TOPIC);
    // SNS subjects end at 100 characters: the code is cut short (the body holds it).
    expect(subject).toMatch(/^ETL load fact_sales_order .+-0001\.parquet: failed, no retry \(REDSH/);
    const body = JSON.parse(message);
    expect(body).toMatchObject({
      stage: "load",
      runId: RUN,
      table: "fact_sales_order",
      key: FACT_KEY,
      detail: {
        code: "REDSHIFT_LOAD_FAILED",
        retryable: false,
        statementId: "b-7",
        loadErrors: [{ column_name: "unit_price", error_message: "Overflow" }],
      },
    });
    expect(body.detail.sql).toContain("aws_access_key_id=***");
    for (const secret of SECRETS) {
      expect(subject).not.toContain(secret);
      expect(message).not.toContain(secret);
      expect(JSON.stringify(audit.failures)).not.toContain(secret);
      expect(JSON.stringify(audit.items)).not.toContain(secret);
    }
  });

  it("records a retryable failure on its first receive (item with the redacted SQL, FAILED audit items for every file not committed) and alerts it as failing", async () => {
    const audit = createMemoryAuditLog();
    const alerter = createSnsAlerter({ client: new SNSClient({ region: "eu-west-2" }), topicArn: TOPIC });
    const error = new LoadTransientError("dim_date: could not serialize access", {
      table: "dim_date",
      sql: "insert into x values ('password=hunter2')",
    });

    await reportFailure(
      createOutcomeReporter({ stage: "load", audit, alerter }),
      { runId: RUN, bucket: "etl-processed", attempt: "2026-11-23T15:00:00.000Z", plan },
      error,
      [],
      10,
      { receiveCount: 1, maxReceiveCount: 10, queue: "etl-load-runs.fifo", messageId: "m-1" },
    );

    expect(audit.failures).toHaveLength(1);
    expect(audit.failures[0]).toMatchObject({ table: "dim_date", retryable: true });
    expect(audit.failures[0]?.sql).toBe("insert into x values ('password=***')");
    expect(audit.items.map((i) => [i.key, i.status, i.error])).toEqual([
      [`star/dim_date/${RUN}-0001.parquet`, "FAILED", "dim_date: could not serialize access"],
      [FACT_KEY, "FAILED", "not loaded: dim_date failed in the same attempt"],
      ["-", "FAILED", "dim_date: could not serialize access"],
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(published().subject).toMatch(/: failing, will retry \(.+\)$/);
    expect(published().message).not.toContain("hunter2");
  });
});
