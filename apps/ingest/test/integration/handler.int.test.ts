import { cloud, localS3Env } from "@etl/local-cloud/testing";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createHarness } from "./harness";

/** The context Lambda passes a handler, as far as the logger reads it. */
function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "etl-ingest",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-2:123456789012:function:etl-ingest",
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: "/aws/lambda/etl-ingest",
    logStreamName: "2026/11/23/[$LATEST]abc",
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

describe("ingest handler", () => {
  it("runs one ingest from a scheduled event with the environment Lambda gives it, then an empty one", async () => {
    const h = await createHarness();
    await h.admin.query(
      "insert into currency (currency_id, currency_code, created_at, last_updated) values (1, 'EUR', localtimestamp, localtimestamp)",
    );
    const c = cloud();
    Object.assign(process.env, {
      AWS_REGION: c.region,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      S3_ENDPOINT: c.s3Endpoint,
      ...localS3Env(),
      DYNAMODB_ENDPOINT: c.dynamodbEndpoint,
      DATABASE_URL: h.url,
      INGEST_BUCKET: h.bucket,
      STATE_TABLE: h.tables.state,
      AUDIT_TABLE: h.tables.audit,
      FAILURE_TABLE: h.tables.failure,
      ALERT_FILE: "/dev/null",
      SAFETY_LAG_SECONDS: "0",
    });
    const { handler } = await import("../../src/handler");
    const scheduled = {
      version: "0",
      id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "123456789012",
      time: "2026-11-23T10:00:00Z",
      region: c.region,
      resources: ["arn:aws:events:eu-west-2:123456789012:rule/etl-ingest-schedule"],
      detail: {},
    };

    const result = await handler(scheduled);
    const again = await handler(scheduled, lambdaContext("again"));
    await h.close();

    expect(result).toMatchObject({
      rows: 1,
      manifestKey: expect.stringMatching(/^runs\/\d{8}T\d{9}Z-00000001\.json$/),
    });
    expect(await h.keys("raw/currency/")).toHaveLength(1);
    expect(again).toMatchObject({ rows: 0, manifestKey: null });
  });
});
