import { STAR_COLUMNS } from "@etl/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import {
  actionsOf,
  environmentOf,
  granting,
  POSTGRES,
  prefixesOf,
  resource,
  resourcesOf,
  type Synthesized,
  statementsOf,
  synth,
  text,
} from "./synth";

type GlueColumn = { Name: string; Type: string };
type TableInput = {
  Name: string;
  Parameters: Record<string, unknown>;
  PartitionKeys: GlueColumn[];
  StorageDescriptor: { Columns: GlueColumn[]; Location: unknown };
};

describe("transform stack", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(POSTGRES);
  });

  it("queues the ingest bucket's run manifests (runs/*.json) with a dead-letter queue", () => {
    const notification = resource(s.transform, "Custom::S3BucketNotifications", "IngestBucketNotifications");
    const queue = resource(s.transform, "AWS::SQS::Queue", "ManifestsQueue");

    s.transform.resourceCountIs("AWS::SQS::Queue", 2);
    expect(notification.Properties).toMatchObject({
      Managed: false,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: "suffix", Value: ".json" },
                  { Name: "prefix", Value: "runs/" },
                ],
              },
            },
          },
        ],
      },
    });
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 5400,
      RedrivePolicy: { maxReceiveCount: 10 },
    });
  });

  it("consumes one manifest per invocation with partial batch responses", () => {
    const mapping = resource(s.transform, "AWS::Lambda::EventSourceMapping", "Transform");

    expect(mapping.Properties).toMatchObject({
      BatchSize: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it("reads raw data and writes star files, state and manifests, by prefix only", () => {
    const statements = statementsOf(s.transform, "Transform");
    const reads = granting(statements, "s3:GetObject");
    const writes = granting(statements, "s3:PutObject");

    expect(reads.map(prefixesOf)).toEqual([["raw/", "runs/", "runs/", "star/", "state/"]]);
    expect(text(reads)).toMatch(/IngestBucket.*\/raw\/\*/);
    expect(text(reads)).toMatch(/ProcessedBucket.*\/state\/\*/);
    expect(writes.map(prefixesOf)).toEqual([["quarantine/", "runs/", "star/", "state/"]]);
    expect(text(writes)).not.toMatch(/IngestBucket/);
    expect(granting(statements, "s3:DeleteObject").map(prefixesOf)).toEqual([["star/", "state/"]]);
    expect(text(granting(statements, "s3:ListBucket").map((st) => st.Resource))).toMatch(
      /IngestBucket.*ProcessedBucket|ProcessedBucket.*IngestBucket/,
    );
    expect(
      actionsOf(statements).filter((a) => a.startsWith("secretsmanager") || a.startsWith("redshift")),
    ).toEqual([]);
    // Only the state table is queried: the blockage records (docs/operations.md).
    expect(text(granting(statements, "dynamodb:Query").map((st) => st.Resource))).toMatch(/StateTable/);
    expect(text(granting(statements, "dynamodb:Query").map((st) => st.Resource))).not.toMatch(
      /AuditTable|FailureTable/,
    );
  });

  it("sets exactly the variables of the transform config", () => {
    const variables = environmentOf(s.transform, "Transform");

    expect(
      Object.keys(variables)
        // MAX_RECEIVE_COUNT follows the transform's schema (queues.test.ts).
        .filter((k) => !/^(POWERTOOLS_|NODE_OPTIONS|MAX_RECEIVE_COUNT$)/.test(k))
        .sort(),
    ).toEqual([
      "ALERT_TOPIC_ARN",
      "AUDIT_TABLE",
      "FAILURE_TABLE",
      "INGEST_BUCKET",
      "PROCESSED_BUCKET",
      "STATE_TABLE",
    ]);
  });

  it("alarms on errors, dead letters and old messages, all to the alert topic", () => {
    const alarms = Object.values(resourcesOf(s.transform, "AWS::CloudWatch::Alarm"));

    expect(alarms.map((a) => a.Properties?.MetricName).sort()).toEqual([
      "ApproximateAgeOfOldestMessage",
      "ApproximateNumberOfMessagesVisible",
      "Errors",
    ]);
    for (const alarm of alarms) expect(text(alarm.Properties?.AlarmActions)).toContain("AlertTopic");
  });

  it("catalogues every star table in Glue with projected run-date partitions", () => {
    const tables = Object.values(resourcesOf(s.transform, "AWS::Glue::Table")).map(
      (t) => t.Properties?.TableInput as TableInput,
    );

    s.transform.resourceCountIs("AWS::Glue::Database", 1);
    expect(tables.map((t) => t.Name).sort()).toEqual(Object.keys(STAR_COLUMNS).sort());
    for (const table of tables) {
      expect(table.PartitionKeys).toEqual([{ Name: "run_date", Type: "string" }]);
      expect(table.Parameters).toMatchObject({
        "projection.enabled": "true",
        "projection.run_date.format": "yyyy/MM/dd",
      });
      expect(text(table.StorageDescriptor.Location)).toContain(`/star/${table.Name}/`);
      expect(table.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(
        (STAR_COLUMNS[table.Name as keyof typeof STAR_COLUMNS] ?? []).map((c) => c.name),
      );
    }
  });

  it.each([
    ["fact_sales_order", "unit_price", "decimal(10,2)"],
    ["fact_sales_order", "created_time", "string"],
    ["fact_sales_order", "created_date", "date"],
    ["dim_location", "address_line_2", "string"],
    ["dim_date", "year", "int"],
  ])("%s.%s is read as %s", (table, column, type) => {
    const tableInput = Object.values(resourcesOf(s.transform, "AWS::Glue::Table"))
      .map((t) => t.Properties?.TableInput as TableInput)
      .find((t) => t.Name === table);

    expect(tableInput?.StorageDescriptor.Columns.find((c) => c.Name === column)?.Type).toBe(type);
  });
});
