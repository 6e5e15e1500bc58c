import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutRuleCommand } from "@aws-sdk/client-eventbridge";
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { migratePostgresWarehouse } from "@etl/db/warehouse";
import { freshDatabase, type MotoServer, startMoto } from "@etl/local-cloud/testing";
import { ensureTables } from "@etl/ops/aws";
import { checkParquetSchema, readParquet, readParquetSchema, starParquetColumns } from "@etl/s3-io/parquet";
import { STAR_COLUMNS, STAR_TABLE_NAMES, type StarTable } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { doctor } from "../../src/cli/commands/doctor";
import { DOCTOR_ALERT_SUBJECT, type DoctorCheck, type DoctorClients } from "../../src/doctor/doctor-check";
import { redshiftCopyCheckSql } from "../../src/doctor/redshift-check";
import { runDoctorChecks } from "../../src/doctor/run-doctor-checks";

// The doctor against moto (Secrets Manager, DynamoDB, SNS, SQS, EventBridge, S3), the local
// PostgreSQL as the warehouse, and a mocked Redshift Data API whose statements are asserted.
let moto: MotoServer;
let clients: DoctorClients;
let env: Record<string, string>;
let alertInbox: string;
const SECRET_PASSWORD = "doctor-must-never-print-this";

const arnOf = async (url: string) =>
  (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] })))
    .Attributes?.QueueArn ?? "";

async function queueWithDlq(name: string, maxReceiveCount: number): Promise<{ url: string; dlq: string }> {
  const dlq = (await clients.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl ?? "";
  const url =
    (
      await clients.sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq), maxReceiveCount }),
          },
        }),
      )
    ).QueueUrl ?? "";
  return { url, dlq };
}

beforeAll(async () => {
  moto = await startMoto();
  const config = { region: moto.region, endpoint: moto.endpoint, credentials: moto.credentials };
  clients = {
    secrets: new SecretsManagerClient(config),
    dynamo: new DynamoDBClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    events: new EventBridgeClient(config),
    redshift: new RedshiftDataClient({ region: moto.region, credentials: moto.credentials }),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
  const tables = { audit: "etl-audit", failure: "etl-failures", state: "etl-state" };
  await ensureTables(clients.dynamo, tables);
  const dbSecret = await clients.secrets.send(
    new CreateSecretCommand({
      Name: "etl/totesys",
      SecretString: JSON.stringify({ host: "db", username: "etl", password: SECRET_PASSWORD, dbname: "t" }),
    }),
  );
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: "etl-alerts" }));
  alertInbox = (await clients.sqs.send(new CreateQueueCommand({ QueueName: "alert-inbox" }))).QueueUrl ?? "";
  await clients.sns.send(
    new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: "sqs", Endpoint: await arnOf(alertInbox) }),
  );
  const transform = await queueWithDlq("etl-transform", 5);
  const load = await queueWithDlq("etl-load", 6);
  await clients.sqs.send(new SendMessageCommand({ QueueUrl: load.dlq, MessageBody: "{}" }));
  const files = await queueWithDlq("etl-files", 3);
  await clients.events.send(
    new PutRuleCommand({
      Name: "EtlIngest-Schedule",
      ScheduleExpression: "rate(15 minutes)",
      State: "ENABLED",
    }),
  );
  await clients.events.send(
    new PutRuleCommand({
      Name: "EtlLoad-ProcessedManifestCreated",
      EventPattern: JSON.stringify({ source: ["aws.s3"] }),
      State: "ENABLED",
    }),
  );
  const warehouseUrl = await freshDatabase("doctor");
  const db = new pg.Client({ connectionString: warehouseUrl });
  await db.connect();
  await migratePostgresWarehouse(db);
  await db.end();
  env = {
    AWS_REGION: moto.region,
    DB_SECRET_ARN: dbSecret.ARN ?? "",
    AUDIT_TABLE: tables.audit,
    FAILURE_TABLE: tables.failure,
    STATE_TABLE: tables.state,
    ALERT_TOPIC_ARN: topic.TopicArn ?? "",
    TRANSFORM_QUEUE_URL: transform.url,
    LOAD_QUEUE_URL: load.url,
    FILES_QUEUE_URL: files.url,
    WAREHOUSE_URL: warehouseUrl,
  };
});

afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  await moto?.stop();
});

const summary = (results: DoctorCheck[]) => results.map((r) => [r.check, r.status]);

describe("etl doctor --aws against moto and the local warehouse", () => {
  it("checks each resource and names what is wrong: a short redrive, a non-empty dead-letter queue", async () => {
    const results = await runDoctorChecks(env, clients, { now: () => new Date("2026-11-23T14:00:00Z") });

    expect(summary(results)).toEqual([
      ["secret DB_SECRET_ARN", "ok"],
      ["table AUDIT_TABLE", "ok"],
      ["table FAILURE_TABLE", "ok"],
      ["table STATE_TABLE", "ok"],
      ["alert topic", "ok"],
      ["queue TRANSFORM_QUEUE_URL", "ok"],
      ["queue LOAD_QUEUE_URL", "warn"],
      ["queue FILES_QUEUE_URL", "fail"],
      ["rule EtlIngest-Schedule", "ok"],
      ["rule EtlLoad-ProcessedManifestCreated", "ok"],
      ["warehouse connection", "ok"],
      ["grants on schema warehouse", "ok"],
      ["grants on tables in warehouse", "ok"],
    ]);
    expect(results.find((r) => r.check === "queue LOAD_QUEUE_URL")).toMatchObject({
      detail: expect.stringContaining("dead-letter queue etl-load-dlq holds 1 message(s)"),
      fix: expect.stringContaining("aws sqs start-message-move-task --source-arn arn:aws:sqs:"),
    });
    expect(results.find((r) => r.check === "queue FILES_QUEUE_URL")).toMatchObject({
      detail: expect.stringContaining("maxReceiveCount 3, below 5"),
      fix: "raise the queue's maxReceiveCount to at least 5",
    });
    const inbox = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: alertInbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    const published = (inbox.Messages ?? []).map((m) => JSON.parse(m.Body ?? "{}") as { Subject?: string });
    expect(published.map((p) => p.Subject)).toEqual([DOCTOR_ALERT_SUBJECT]);
    expect(JSON.stringify(results)).not.toContain(SECRET_PASSWORD);
  });

  it("fails an unreadable secret, a table without TTL, a disabled rule and missing grants, each with its fix", async () => {
    await clients.dynamo.send(
      new CreateTableCommand({
        TableName: "no-ttl",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
    await clients.events.send(
      new PutRuleCommand({ Name: "Other-Off", ScheduleExpression: "rate(1 hour)", State: "DISABLED" }),
    );
    const admin = new pg.Client({ connectionString: env.WAREHOUSE_URL });
    await admin.connect();
    await admin.query("drop role if exists doctor_reader");
    await admin.query("create role doctor_reader login password 'reader'");
    await admin.query("grant usage on schema warehouse to doctor_reader");
    await admin.query("grant select on all tables in schema warehouse to doctor_reader");
    await admin.end();
    const readerUrl = new URL(env.WAREHOUSE_URL ?? "");
    readerUrl.username = "doctor_reader";
    readerUrl.password = "reader";

    const results = await runDoctorChecks(
      {
        ...env,
        DB_SECRET_ARN: `arn:aws:secretsmanager:${moto.region}:123456789012:secret:etl/missing-AbCdEf`,
        STATE_TABLE: "no-ttl",
        EVENT_RULE_NAMES: "EtlIngest-Schedule,Other-Off",
        WAREHOUSE_URL: readerUrl.toString(),
      },
      clients,
    );

    const byCheck = new Map(results.map((r) => [r.check, r]));
    expect(byCheck.get("secret DB_SECRET_ARN")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("ResourceNotFoundException"),
      fix: expect.stringContaining("secretsmanager:GetSecretValue"),
    });
    expect(byCheck.get("table STATE_TABLE")).toMatchObject({
      status: "fail",
      detail: "no-ttl: TTL DISABLED",
      fix: "aws dynamodb update-time-to-live --table-name no-ttl --time-to-live-specification Enabled=true,AttributeName=expiresAt",
    });
    expect(byCheck.get("rule Other-Off")).toMatchObject({
      status: "fail",
      detail: "DISABLED",
      fix: "aws events enable-rule --name Other-Off",
    });
    expect(byCheck.get("grants on schema warehouse")).toMatchObject({
      status: "fail",
      detail: "doctor_reader lacks CREATE",
    });
    expect(byCheck.get("grants on tables in warehouse")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("dim_date lacks INSERT, UPDATE, DELETE"),
    });
  });

  it("prints a checklist or JSON and exits 1 on a failure; --help documents every check", async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const saved = { ...process.env };
    Object.assign(process.env, env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    });
    let text: number;
    let json: number;
    let lines: string[];
    let parsed: DoctorCheck[];
    try {
      text = await doctor.run({ values: { aws: true }, positionals: [] });
      lines = written.join("").trim().split("\n");
      written.length = 0;
      json = await doctor.run({ values: { aws: true, json: true }, positionals: [] });
      parsed = JSON.parse(written.join("")) as DoctorCheck[];
    } finally {
      spy.mockRestore();
      process.env = saved;
    }

    expect(text).toBe(1);
    expect(json).toBe(1);
    expect(lines).toContain("✓ table AUDIT_TABLE: etl-audit is ACTIVE, TTL on expiresAt");
    expect(lines).toContain("    fix: raise the queue's maxReceiveCount to at least 5");
    expect(lines.find((l) => l.startsWith("✗ queue FILES_QUEUE_URL"))).toBeDefined();
    expect(lines.find((l) => l.startsWith("! queue LOAD_QUEUE_URL"))).toBeDefined();
    expect(lines.at(-1)).toBe("11 passed, 1 failed, 1 warning(s)");
    expect(parsed.map((r) => r.status).filter((s) => s === "fail")).toEqual(["fail"]);
    for (const documented of [
      "GetSecretValue",
      "DescribeTimeToLive",
      DOCTOR_ALERT_SUBJECT,
      "maxReceiveCount >= 5",
      "DescribeRule",
      "has_schema_privilege",
      "has_table_privilege",
      'select current_user"',
      "COPYed",
      "--json",
    ])
      expect(doctor.usage).toContain(documented);
  });
});

/** What the Data API returns for a value read from the file: DECIMAL and DATE as strings. */
function asField(value: unknown): Field {
  if (typeof value === "boolean") return { booleanValue: value };
  if (typeof value === "number") return { longValue: value };
  if (value === null || value === undefined) return { isNull: true };
  return { stringValue: String(value) };
}

describe("etl doctor --aws on Redshift (Data API mocked, files on moto's S3)", () => {
  it("runs select current_user as the loaders' identity, then COPYs and reads back one file per star table", async () => {
    const bucket = "etl-processed";
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const redshift = mockClient(RedshiftDataClient);
    const problems: string[] = [];
    try {
      redshift.on(ExecuteStatementCommand).resolves({ Id: "who" });
      redshift
        .on(DescribeStatementCommand)
        .callsFake((input: { Id: string }) => ({ Id: input.Id, Status: "FINISHED" }));
      const files = new Map<string, Field[]>();
      // The fake Redshift reads the file the doctor wrote, as COPY would, and returns its values.
      redshift.on(BatchExecuteStatementCommand).callsFake(async (input: { Sqls: string[] }) => {
        const table = /"doctor_([a-z_]+)"/.exec(input.Sqls[0] ?? "")?.[1] as StarTable;
        const key = `doctor/t0ken/${table}.parquet`;
        const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const bytes = await object.Body?.transformToByteArray();
        const file = new Uint8Array(bytes ?? []);
        problems.push(
          ...checkParquetSchema(readParquetSchema(file), starParquetColumns(table)).map(
            (p) => `${table}: ${p}`,
          ),
        );
        const [row] = await readParquet(file);
        files.set(
          `batch-${table}:3`,
          STAR_COLUMNS[table].map((c) => asField(row?.[c.name])),
        );
        return { Id: `batch-${table}` };
      });
      redshift.on(GetStatementResultCommand).callsFake((input: { Id: string }) => {
        if (input.Id === "who")
          return {
            ColumnMetadata: [{ name: "current_user" }],
            Records: [[{ stringValue: "IAMR:etl-load-role" }]],
          };
        const table = input.Id.replace(/^batch-/, "").replace(/:3$/, "") as StarTable;
        return {
          ColumnMetadata: STAR_COLUMNS[table].map((c) => ({ name: c.name })),
          Records: [files.get(input.Id) ?? []],
        };
      });

      const results = await runDoctorChecks(
        {
          ...env,
          WAREHOUSE_TARGET: "redshift",
          REDSHIFT_WORKGROUP: "etl",
          REDSHIFT_DATABASE: "dev",
          REDSHIFT_SECRET_ARN: env.DB_SECRET_ARN ?? "",
          REDSHIFT_COPY_ROLE_ARN: "arn:aws:iam::123456789012:role/etl-copy",
          PROCESSED_BUCKET: bucket,
        },
        clients,
        { token: "t0ken" },
      );

      const redshiftResults = results.filter((r) => r.check.startsWith("Redshift"));
      expect(summary(redshiftResults)).toEqual([
        ["Redshift Data API", "ok"],
        ...STAR_TABLE_NAMES.map((t) => [`Redshift COPY ${t}`, "ok"]),
      ]);
      expect(redshiftResults[0]?.detail).toBe("runs as IAMR:etl-load-role");
      expect(problems).toEqual([]);
      expect(redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input)).toEqual([
        {
          Database: "dev",
          WorkgroupName: "etl",
          SecretArn: env.DB_SECRET_ARN,
          Sql: "select current_user",
          StatementName: "etl-doctor-t0ken",
        },
      ]);
      const batches = redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input);
      expect(batches).toHaveLength(STAR_TABLE_NAMES.length);
      expect(batches[0]).toEqual({
        WorkgroupName: "etl",
        SecretArn: env.DB_SECRET_ARN,
        Database: "dev",
        StatementName: "etl-doctor-t0ken",
        Sqls: [
          'create temp table "doctor_dim_date" (like "warehouse"."stg_dim_date")',
          `copy "doctor_dim_date" (${STAR_COLUMNS.dim_date.map((c) => `"${c.name}"`).join(", ")}) from 's3://etl-processed/doctor/t0ken/dim_date.parquet' iam_role 'arn:aws:iam::123456789012:role/etl-copy' format as parquet`,
          `select ${STAR_COLUMNS.dim_date.map((c) => `"${c.name}"`).join(", ")} from "doctor_dim_date"`,
        ],
      });
      expect(batches.map((b) => b.Sqls)).toEqual(
        STAR_TABLE_NAMES.map((t) =>
          redshiftCopyCheckSql(
            "warehouse",
            t,
            bucket,
            `doctor/t0ken/${t}.parquet`,
            "arn:aws:iam::123456789012:role/etl-copy",
          ),
        ),
      );
      const left = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "doctor/" }));
      expect(left.KeyCount ?? 0).toBe(0);
    } finally {
      redshift.restore();
    }
  });

  it("fails a table whose value comes back different, naming column, written and read value", async () => {
    const redshift = mockClient(RedshiftDataClient);
    try {
      redshift.on(ExecuteStatementCommand).resolves({ Id: "who" });
      redshift
        .on(DescribeStatementCommand)
        .callsFake((input: { Id: string }) => ({ Id: input.Id, Status: "FINISHED" }));
      redshift.on(GetStatementResultCommand, { Id: "who" }).resolves({
        ColumnMetadata: [{ name: "current_user" }],
        Records: [[{ stringValue: "etl_loader" }]],
      });
      redshift.on(BatchExecuteStatementCommand).resolves({ Id: "b" });
      redshift.on(GetStatementResultCommand, { Id: "b:3" }).resolves({
        ColumnMetadata: [
          { name: "currency_id" },
          { name: "currency_code" },
          { name: "currency_name" },
          { name: "source_updated_at" },
        ],
        Records: [
          [
            { longValue: 7 },
            { stringValue: "etl doctor" },
            { isNull: true },
            { stringValue: "2026-11-23 14:15:16.123456" },
          ],
        ],
      });

      const results = await runDoctorChecks(
        {
          ...env,
          WAREHOUSE_TARGET: "redshift",
          REDSHIFT_CLUSTER_ID: "etl",
          REDSHIFT_DATABASE: "dev",
          REDSHIFT_COPY_ROLE_ARN: "arn:aws:iam::123456789012:role/etl-copy",
          PROCESSED_BUCKET: "etl-processed",
        },
        clients,
      );

      expect(results.find((r) => r.check === "Redshift COPY dim_currency")).toMatchObject({
        status: "fail",
        detail: 'currency_name wrote "etl doctor" read null',
      });
    } finally {
      redshift.restore();
    }
  });
});
