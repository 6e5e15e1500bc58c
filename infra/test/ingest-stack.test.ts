import { beforeAll, describe, expect, it } from "vitest";
import {
  actionsOf,
  DB_SECRET,
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

describe("ingest stack", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ ...POSTGRES, ingestRateMinutes: 20 });
  });

  it("has one Node 22 arm64 function with its own log group, invoked by a schedule", () => {
    const fn = resource(s.ingest, "AWS::Lambda::Function", "Ingest");
    const rule = resource(s.ingest, "AWS::Events::Rule", "Schedule");

    s.ingest.resourceCountIs("AWS::Lambda::Function", 1);
    s.ingest.resourceCountIs("AWS::Logs::LogGroup", 1);
    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Timeout: 900,
      LoggingConfig: { LogFormat: "JSON" },
    });
    expect(rule.Properties?.ScheduleExpression).toBe("rate(20 minutes)");
    expect(text(rule.Properties?.Targets)).toContain("IngestFunction");
  });

  it("sets exactly the variables of the ingest config, secrets as ARNs only", () => {
    const variables = environmentOf(s.ingest, "Ingest");

    expect(Object.keys(variables).sort()).toEqual([
      "ALERT_TOPIC_ARN",
      "AUDIT_TABLE",
      "DB_SECRET_ARN",
      "FAILURE_TABLE",
      "INGEST_BUCKET",
      "NODE_OPTIONS",
      "POWERTOOLS_LOG_LEVEL",
      "POWERTOOLS_METRICS_NAMESPACE",
      "POWERTOOLS_SERVICE_NAME",
      "STATE_TABLE",
    ]);
    expect(variables.DB_SECRET_ARN).toBe(DB_SECRET);
    expect(variables.POWERTOOLS_SERVICE_NAME).toBe("etl-ingest");
  });

  it("may only write raw data, manifests and key sets, read key sets, use its tables, publish alerts and read its one secret", () => {
    const statements = statementsOf(s.ingest, "Ingest");

    expect(granting(statements, "s3:GetObject").map(prefixesOf)).toEqual([["keys/"]]);
    expect(granting(statements, "s3:PutObject").map(prefixesOf)).toEqual([["keys/", "raw/", "runs/"]]);
    expect(granting(statements, "secretsmanager:GetSecretValue")).toEqual([
      {
        Sid: "ReadSecretValues",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: DB_SECRET,
      },
    ]);
    expect(text(granting(statements, "dynamodb:Query")[0]?.Resource)).toContain("StateTable");
    expect(text(granting(statements, "dynamodb:PutItem").map((st) => st.Resource))).toMatch(
      /AuditTable.*FailureTable/,
    );
    expect(granting(statements, "dynamodb:Query")).toHaveLength(1);
    expect(actionsOf(statements).filter((a) => a.startsWith("redshift"))).toEqual([]);
    expect(actionsOf(statements)).toContain("sns:Publish");
  });

  it("alarms on errors and on no invocation in two schedule periods", () => {
    const alarms = resourcesOf(s.ingest, "AWS::CloudWatch::Alarm");
    const notRun = resource(s.ingest, "AWS::CloudWatch::Alarm", "IngestNotRun");

    expect(Object.keys(alarms)).toHaveLength(2);
    expect(notRun.Properties).toMatchObject({
      MetricName: "Invocations",
      Period: 2400,
      Statistic: "Sum",
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
    });
    for (const alarm of Object.values(alarms)) {
      expect(text(alarm.Properties?.AlarmActions)).toContain("AlertTopic");
    }
  });
});
