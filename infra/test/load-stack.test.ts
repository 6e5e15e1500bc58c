import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/paths";
import { DATA_API_STATEMENT_PREFIXES } from "../src/stacks/load-stack";
import {
  actionsOf,
  environmentOf,
  granting,
  POSTGRES,
  policyStatements,
  prefixesOf,
  REDSHIFT,
  REDSHIFT_SECRET,
  RULES_SECRET,
  resource,
  resourcesOf,
  type Synthesized,
  statementsOf,
  synth,
  text,
  WAREHOUSE_SECRET,
  WORKGROUP_ARN,
} from "./synth";

/** The load app's source files, without its tests. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

function variablesOf(s: Synthesized, id: string): Record<string, unknown> {
  return environmentOf(s.load, id);
}

/** The app's own variables; MAX_RECEIVE_COUNT follows the load's schema (see queues.test.ts). */
const appKeys = (variables: Record<string, unknown>) =>
  Object.keys(variables)
    .filter((k) => !/^(POWERTOOLS_|NODE_OPTIONS|MAX_RECEIVE_COUNT$)/.test(k))
    .sort();

describe("load stack, PostgreSQL warehouse", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ ...POSTGRES, rulesSecretArn: RULES_SECRET });
  });

  it("routes processed manifests through EventBridge to a FIFO queue, one group per warehouse", () => {
    const rule = resource(s.load, "AWS::Events::Rule", "ProcessedManifestCreated");
    const queue = resource(s.load, "AWS::SQS::Queue", "RunManifestsQueue");

    expect(rule.Properties?.EventPattern).toMatchObject({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { object: { key: [{ wildcard: "runs/*.json" }] } },
    });
    expect(text(rule.Properties?.EventPattern)).toContain("ProcessedBucket");
    expect(rule.Properties?.Targets).toMatchObject([
      {
        Arn: { "Fn::GetAtt": [expect.stringMatching(/^RunManifestsQueue/), "Arn"] },
        SqsParameters: { MessageGroupId: "warehouse-postgres-postgres" },
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [expect.stringMatching(/^UndeliveredManifests/), "Arn"] } },
      },
    ]);
    expect(queue.Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: true,
      RedrivePolicy: { maxReceiveCount: 10 },
    });
  });

  it("queues objects created under landing/ for the file loader", () => {
    const notification = resource(s.load, "Custom::S3BucketNotifications", "LandingBucketNotifications");

    expect(notification.Properties).toMatchObject({
      Managed: false,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "landing/" }] } },
            QueueArn: { "Fn::GetAtt": [expect.stringMatching(/^LandedFilesQueue/), "Arn"] },
          },
        ],
      },
    });
  });

  it("has the run and file loaders, both with partial batch responses, and no completion handler", () => {
    const mappings = Object.values(resourcesOf(s.load, "AWS::Lambda::EventSourceMapping"));

    expect(
      Object.keys(resourcesOf(s.load, "AWS::Lambda::Function")).filter((id) => !id.startsWith("Bucket")),
    ).toHaveLength(2);
    expect(mappings).toHaveLength(2);
    for (const m of mappings)
      expect(m.Properties?.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(Object.keys(resourcesOf(s.load, "AWS::Events::Rule"))).toHaveLength(1);
  });

  it("gives each loader the variables its config names, and no local or Redshift ones", () => {
    const runs = variablesOf(s, "Runs");
    const files = variablesOf(s, "Files");

    expect(appKeys(runs)).toEqual([
      "ALERT_TOPIC_ARN",
      "AUDIT_TABLE",
      "FAILURE_TABLE",
      "PROCESSED_BUCKET",
      "STATE_TABLE",
      "WAREHOUSE_SECRET_ARN",
      "WAREHOUSE_TARGET",
    ]);
    expect(appKeys(files)).toEqual(
      [...appKeys(runs), "FILE_EVENT_BUS", "LANDING_BUCKET", "RULES_SECRET_ARN"].sort(),
    );
    expect(files.FILE_EVENT_BUS).toBe("default");
    expect(runs.WAREHOUSE_SECRET_ARN).toBe(WAREHOUSE_SECRET);
  });

  it("grants secrets and buckets by what each loader's environment names", () => {
    const runs = statementsOf(s.load, "Runs");
    const files = statementsOf(s.load, "Files");

    expect(granting(runs, "secretsmanager:GetSecretValue").map((st) => st.Resource)).toEqual([
      WAREHOUSE_SECRET,
    ]);
    expect(granting(files, "secretsmanager:GetSecretValue").map((st) => st.Resource)).toEqual([
      [RULES_SECRET, WAREHOUSE_SECRET],
    ]);
    expect(text(runs)).not.toContain("LandingBucket");
    expect(granting(runs, "s3:PutObject")).toEqual([]);
    expect(text(granting(files, "s3:DeleteObject")[0]?.Resource)).toContain("LandingBucket");
    expect(prefixesOf(granting(files, "s3:DeleteObject")[0])).toEqual([
      "archive/",
      "error/",
      "landing/",
      "processing/",
    ]);
    expect(actionsOf([...runs, ...files]).filter((a) => a.startsWith("redshift"))).toEqual([]);
    expect(granting(runs, "events:PutEvents")).toEqual([]);
    expect(text(granting(files, "events:PutEvents").map((st) => st.Resource))).toContain("event-bus/default");
  });

  it("passes the allowed follow-up procedures to the file loader", () => {
    const withFollowUps = synth({
      ...POSTGRES,
      rulesSecretArn: RULES_SECRET,
      fileFollowUps: ["landed.refresh_rates"],
    });

    expect(variablesOf(withFollowUps, "Files").FILE_FOLLOW_UPS).toBe("landed.refresh_rates");
    expect(variablesOf(s, "Files").FILE_FOLLOW_UPS).toBeUndefined();
  });

  it("alarms on both loaders' errors, both dead-letter queues, old messages and undelivered events", () => {
    const alarms = Object.values(resourcesOf(s.load, "AWS::CloudWatch::Alarm"));

    expect(alarms).toHaveLength(7);
    expect(alarms.filter((a) => a.Properties?.MetricName === "Errors")).toHaveLength(2);
    for (const alarm of alarms) expect(text(alarm.Properties?.AlarmActions)).toContain("AlertTopic");
  });
});

describe("load stack, Redshift Serverless warehouse", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(REDSHIFT);
  });

  it("adds the completion handler on statement status events and a five-minute sweep", () => {
    const status = resource(s.load, "AWS::Events::Rule", "StatementStatusChanged");
    const sweep = resource(s.load, "AWS::Events::Rule", "StatementSweep");

    expect(status.Properties?.EventPattern).toEqual({
      source: ["aws.redshift-data"],
      "detail-type": ["Redshift Data Statement Status Change"],
      detail: { statementName: [{ prefix: "etl-load-" }, { prefix: "etl-file-" }] },
    });
    expect(sweep.Properties?.ScheduleExpression).toBe("rate(5 minutes)");
    for (const rule of [status, sweep])
      expect(text(rule.Properties?.Targets)).toContain("CompletionFunction");
    expect(resource(s.load, "AWS::SQS::Queue", "RunManifestsQueue")).toBeDefined();
    expect(
      resource(s.load, "AWS::Events::Rule", "ProcessedManifestCreated").Properties?.Targets,
    ).toMatchObject([{ SqsParameters: { MessageGroupId: "warehouse-redshift-etl" } }]);
  });

  it("takes status events of the statements the load names only: the prefixes its code gives them", () => {
    const named = new Set<string>();
    for (const file of sourceFiles(join(REPO_ROOT, "apps", "load", "src"))) {
      for (const match of readFileSync(file, "utf8").matchAll(/`(etl-[a-z]+-)\$\{/g))
        named.add(match[1] ?? "");
    }

    expect([...named].sort()).toEqual([...DATA_API_STATEMENT_PREFIXES].sort());
  });

  it("passes the workgroup, database and a COPY role it creates, and no PostgreSQL secret", () => {
    const runs = variablesOf(s, "Runs");
    const role = resource(s.load, "AWS::IAM::Role", "RedshiftCopyRole");

    expect(appKeys(runs)).toEqual([
      "ALERT_TOPIC_ARN",
      "AUDIT_TABLE",
      "FAILURE_TABLE",
      "PROCESSED_BUCKET",
      "REDSHIFT_COPY_ROLE_ARN",
      "REDSHIFT_DATABASE",
      "REDSHIFT_WORKGROUP",
      "STATE_TABLE",
      "WAREHOUSE_TARGET",
    ]);
    expect(runs).toMatchObject({
      WAREHOUSE_TARGET: "redshift",
      REDSHIFT_WORKGROUP: "etl",
      REDSHIFT_DATABASE: "dev",
    });
    expect(runs.REDSHIFT_COPY_ROLE_ARN).toEqual({
      "Fn::GetAtt": [expect.stringMatching(/^RedshiftCopyRole/), "Arn"],
    });
    expect(text(role.Properties?.AssumeRolePolicyDocument)).toContain("redshift.amazonaws.com");
  });

  it.each(["Runs", "Files", "Completion"])(
    "%s may run Data API statements on the one workgroup with IAM credentials",
    (id) => {
      const statements = statementsOf(s.load, id);

      expect(granting(statements, "redshift-data:ExecuteStatement")).toEqual([
        {
          Sid: "RedshiftDataSubmit",
          Effect: "Allow",
          Action: ["redshift-data:BatchExecuteStatement", "redshift-data:ExecuteStatement"],
          Resource: WORKGROUP_ARN,
        },
      ]);
      expect(granting(statements, "redshift-data:DescribeStatement")[0]?.Action).toEqual([
        "redshift-data:DescribeStatement",
        "redshift-data:GetStatementResult",
      ]);
      expect(granting(statements, "redshift-serverless:GetCredentials")[0]?.Resource).toBe(WORKGROUP_ARN);
      expect(granting(statements, "redshift:GetClusterCredentialsWithIAM")).toEqual([]);
    },
  );

  it("reads the rules secret in the file loader only", () => {
    expect(granting(statementsOf(s.load, "Runs"), "secretsmanager:GetSecretValue")).toEqual([]);
    expect(granting(statementsOf(s.load, "Files"), "secretsmanager:GetSecretValue")[0]?.Resource).toBe(
      RULES_SECRET,
    );
  });

  it("lets the COPY role read star files, COPY manifests and landed files, and write nothing", () => {
    const statements = policyStatements(s.load, "RedshiftCopyRole");

    expect(prefixesOf(granting(statements, "s3:GetObject")[0])).toEqual([
      "copy-manifests/",
      "landing/",
      "processing/",
      "star/",
    ]);
    expect([...new Set(statements.flatMap((st) => st.Action))].sort()).toEqual([
      "s3:GetObject",
      "s3:ListBucket",
    ]);
  });
});

describe("load stack, other Redshift settings", () => {
  it("uses the named database-user secret instead of IAM credentials, and a given COPY role", () => {
    const s = synth({
      ...REDSHIFT,
      redshiftSecretArn: REDSHIFT_SECRET,
      redshiftCopyRoleArn: "arn:aws:iam::123456789012:role/etl-copy",
    });
    const statements = statementsOf(s.load, "Runs");

    expect(granting(statements, "secretsmanager:GetSecretValue")[0]?.Resource).toBe(REDSHIFT_SECRET);
    expect(granting(statements, "redshift-serverless:GetCredentials")).toEqual([]);
    expect(
      Object.keys(resourcesOf(s.load, "AWS::IAM::Role")).some((id) => id.startsWith("RedshiftCopyRole")),
    ).toBe(false);
    expect(variablesOf(s, "Runs").REDSHIFT_COPY_ROLE_ARN).toBe("arn:aws:iam::123456789012:role/etl-copy");
  });

  it("scopes a provisioned cluster's grants to the cluster and its database", () => {
    const s = synth({
      ...REDSHIFT,
      redshiftWorkgroup: undefined,
      redshiftWorkgroupArn: undefined,
      redshiftClusterId: "etl-cluster",
    });
    const statements = statementsOf(s.load, "Runs");

    expect(text(granting(statements, "redshift-data:ExecuteStatement")[0]?.Resource)).toContain(
      ":cluster:etl-cluster",
    );
    expect(text(granting(statements, "redshift:GetClusterCredentialsWithIAM")[0]?.Resource)).toContain(
      ":dbname:etl-cluster/dev",
    );
    expect(variablesOf(s, "Runs").REDSHIFT_CLUSTER_ID).toBe("etl-cluster");
    expect(variablesOf(s, "Runs").REDSHIFT_WORKGROUP).toBeUndefined();
  });
});
