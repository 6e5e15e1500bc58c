import { randomUUID } from "node:crypto";
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeRuleCommand, EventBridgeClient, ListRulesCommand } from "@aws-sdk/client-eventbridge";
import {
  BatchExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { qualified, quoteIdent } from "@etl/db";
import { createConnectionResolver } from "@etl/db/credentials";
import {
  createRedshiftDataApi,
  iamRoleLiteral,
  type RedshiftDataApi,
  redshiftStagingName,
  s3Uri,
  sqlLiteral,
  waitForStatement,
} from "@etl/db/redshift";
import { TTL_ATTRIBUTE } from "@etl/ops/aws";
import { starParquetColumns, writeParquet } from "@etl/s3-io/parquet";
import { type ColumnSpec, messageOf, STAR_COLUMNS, STAR_TABLE_NAMES, type StarTable } from "@etl/schemas";
import pg from "pg";
import { type Command, out } from "../command";

/** Every check's outcome: `warn` is reported but does not fail the run. */
export interface DoctorCheck {
  check: string;
  status: "ok" | "fail" | "warn";
  detail: string;
  /** What to do about a failure or warning. */
  fix?: string;
}

export interface DoctorClients {
  secrets: SecretsManagerClient;
  dynamo: DynamoDBClient;
  sns: SNSClient;
  sqs: SQSClient;
  events: EventBridgeClient;
  redshift: RedshiftDataClient;
  s3: S3Client;
}

export interface DoctorOptions {
  /** Rules are found by this name prefix unless `EVENT_RULE_NAMES` lists them. */
  rulePrefix?: string;
  /** Names the doctor's temporary objects and statements. */
  token?: string;
  now?: () => Date;
  /** How long a Redshift statement may take. */
  statementTimeoutMs?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The subject of the test alert: marked, so subscribers can filter it. */
export const DOCTOR_ALERT_SUBJECT = "[etl doctor] test alert";
/** A message is retried at least this often before it goes to the dead-letter queue. */
export const MIN_MAX_RECEIVE_COUNT = 5;

export const SECRET_VARIABLES = [
  "DB_SECRET_ARN",
  "WAREHOUSE_SECRET_ARN",
  "REDSHIFT_SECRET_ARN",
  "RULES_SECRET_ARN",
] as const;
export const TABLE_VARIABLES = ["AUDIT_TABLE", "FAILURE_TABLE", "STATE_TABLE"] as const;
export const QUEUE_VARIABLES = ["TRANSFORM_QUEUE_URL", "LOAD_QUEUE_URL", "FILES_QUEUE_URL"] as const;

const ok = (check: string, detail: string): DoctorCheck => ({ check, status: "ok", detail });
const fail = (check: string, detail: string, fix: string): DoctorCheck => ({
  check,
  status: "fail",
  detail,
  fix,
});
const errorName = (error: unknown) => (error as { name?: string }).name ?? "Error";
/** An SDK error's name and message: neither carries a secret's value. */
const why = (error: unknown) => `${errorName(error)}: ${messageOf(error)}`;

/** The clients for the region; `AWS_ENDPOINT_URL` (an emulator) is honoured by each SDK client. */
export function doctorClients(region: string, env: Env = process.env): DoctorClients {
  const endpoint = env.AWS_ENDPOINT_URL;
  return {
    secrets: new SecretsManagerClient({ region }),
    dynamo: new DynamoDBClient({ region }),
    sns: new SNSClient({ region }),
    sqs: new SQSClient({ region }),
    events: new EventBridgeClient({ region }),
    redshift: new RedshiftDataClient({ region }),
    s3: new S3Client({ region, ...(endpoint ? { forcePathStyle: true } : {}) }),
  };
}

async function checkSecrets(env: Env, clients: DoctorClients): Promise<DoctorCheck[]> {
  const named = SECRET_VARIABLES.filter((v) => env[v]);
  if (named.length === 0)
    return [
      fail(
        "secrets",
        `none of ${SECRET_VARIABLES.join(", ")} is set`,
        "export the functions' variables (the stack outputs) before running etl doctor --aws",
      ),
    ];
  const results: DoctorCheck[] = [];
  for (const variable of named) {
    const arn = env[variable] ?? "";
    const check = `secret ${variable}`;
    try {
      const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
      // Only whether a value came back is looked at: it is never printed, stored or compared.
      const readable = Boolean(out.SecretString || out.SecretBinary?.length);
      results.push(
        readable
          ? ok(check, `${arn} is readable`)
          : fail(check, `${arn} has no value`, "put the connection JSON into the secret"),
      );
    } catch (error) {
      results.push(
        fail(
          check,
          `${arn}: ${errorName(error)}`,
          "check the ARN, and that the role may secretsmanager:GetSecretValue it (and kms:Decrypt its key)",
        ),
      );
    }
  }
  return results;
}

async function checkTables(env: Env, clients: DoctorClients): Promise<DoctorCheck[]> {
  const results: DoctorCheck[] = [];
  for (const variable of TABLE_VARIABLES) {
    const table = env[variable];
    const check = `table ${variable}`;
    if (!table) {
      results.push(
        fail(check, `${variable} is not set`, "export the functions' variables (the stack outputs)"),
      );
      continue;
    }
    try {
      const described = await clients.dynamo.send(new DescribeTableCommand({ TableName: table }));
      const state = described.Table?.TableStatus ?? "UNKNOWN";
      const ttl = await clients.dynamo.send(new DescribeTimeToLiveCommand({ TableName: table }));
      const ttlStatus = ttl.TimeToLiveDescription?.TimeToLiveStatus ?? "DISABLED";
      const ttlAttribute = ttl.TimeToLiveDescription?.AttributeName;
      if (state !== "ACTIVE")
        results.push(
          fail(check, `${table} is ${state}`, "wait for the table to become ACTIVE, then run again"),
        );
      else if (ttlStatus !== "ENABLED" || ttlAttribute !== TTL_ATTRIBUTE)
        results.push(
          fail(
            check,
            `${table}: TTL ${ttlStatus}${ttlAttribute ? ` on ${ttlAttribute}` : ""}`,
            `aws dynamodb update-time-to-live --table-name ${table} --time-to-live-specification Enabled=true,AttributeName=${TTL_ATTRIBUTE}`,
          ),
        );
      else results.push(ok(check, `${table} is ACTIVE, TTL on ${TTL_ATTRIBUTE}`));
    } catch (error) {
      results.push(
        fail(
          check,
          `${table}: ${why(error)}`,
          "deploy the stateful stack, or check the name and dynamodb:DescribeTable/DescribeTimeToLive permissions",
        ),
      );
    }
  }
  return results;
}

async function checkTopic(env: Env, clients: DoctorClients, now: () => Date): Promise<DoctorCheck> {
  const topic = env.ALERT_TOPIC_ARN;
  if (!topic) return fail("alert topic", "ALERT_TOPIC_ARN is not set", "export the stack's alert topic ARN");
  try {
    const out = await clients.sns.send(
      new PublishCommand({
        TopicArn: topic,
        Subject: DOCTOR_ALERT_SUBJECT,
        Message: JSON.stringify({
          doctor: true,
          at: now().toISOString(),
          message: "A test alert from etl doctor: alerts reach this subscription. Nothing failed.",
        }),
      }),
    );
    return ok(
      "alert topic",
      `published ${out.MessageId ?? "a message"} to ${topic}: check it reached every subscriber`,
    );
  } catch (error) {
    return fail(
      "alert topic",
      `${topic}: ${why(error)}`,
      "check the ARN, sns:Publish permission and the topic's KMS key policy",
    );
  }
}

interface RedrivePolicy {
  deadLetterTargetArn?: string;
  maxReceiveCount?: number | string;
}

async function checkQueues(env: Env, clients: DoctorClients): Promise<DoctorCheck[]> {
  const named = QUEUE_VARIABLES.filter((v) => env[v]);
  if (named.length === 0)
    return [
      fail(
        "queues",
        `none of ${QUEUE_VARIABLES.join(", ")} is set`,
        "export the queue URLs (stack outputs TransformQueueUrl, LoadQueueUrl, ...)",
      ),
    ];
  const results: DoctorCheck[] = [];
  for (const variable of named) {
    const url = env[variable] ?? "";
    const check = `queue ${variable}`;
    try {
      const attributes = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
      );
      const redrive = attributes.Attributes?.RedrivePolicy;
      if (!redrive) {
        results.push(
          fail(
            check,
            `${url} has no dead-letter queue`,
            "attach one (RedrivePolicy): deploy the app's stack",
          ),
        );
        continue;
      }
      const policy = JSON.parse(redrive) as RedrivePolicy;
      const receives = Number(policy.maxReceiveCount ?? 0);
      const dlqArn = policy.deadLetterTargetArn ?? "";
      if (receives < MIN_MAX_RECEIVE_COUNT) {
        results.push(
          fail(
            check,
            `${url}: maxReceiveCount ${receives}, below ${MIN_MAX_RECEIVE_COUNT}: a brief outage dead-letters messages`,
            `raise the queue's maxReceiveCount to at least ${MIN_MAX_RECEIVE_COUNT}`,
          ),
        );
        continue;
      }
      const [, , , , account = "", name = ""] = dlqArn.split(":");
      const dlq = await clients.sqs.send(
        new GetQueueUrlCommand({ QueueName: name, ...(account ? { QueueOwnerAWSAccountId: account } : {}) }),
      );
      const depth = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlq.QueueUrl,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      const messages = Number(depth.Attributes?.ApproximateNumberOfMessages ?? 0);
      if (messages > 0)
        results.push({
          check,
          status: "warn",
          detail: `${url}: dead-letter queue ${name} holds ${messages} message(s)`,
          fix: `find the cause in the failure table, then aws sqs start-message-move-task --source-arn ${dlqArn}`,
        });
      else results.push(ok(check, `${url}: dead-letter queue ${name} after ${receives} receives, empty`));
    } catch (error) {
      results.push(
        fail(
          check,
          `${url}: ${why(error)}`,
          "check the URL and sqs:GetQueueAttributes/GetQueueUrl permissions",
        ),
      );
    }
  }
  return results;
}

async function checkRules(env: Env, clients: DoctorClients, prefix: string): Promise<DoctorCheck[]> {
  let names = (env.EVENT_RULE_NAMES ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  try {
    if (names.length === 0) {
      let token: string | undefined;
      do {
        const page = await clients.events.send(
          new ListRulesCommand({ NamePrefix: prefix, ...(token ? { NextToken: token } : {}) }),
        );
        names.push(...(page.Rules ?? []).map((r) => r.Name ?? "").filter((n) => n !== ""));
        token = page.NextToken;
      } while (token);
      names = names.sort();
    }
  } catch (error) {
    return [fail("event rules", why(error), "check events:ListRules permission")];
  }
  if (names.length === 0)
    return [
      fail(
        "event rules",
        `no EventBridge rule named ${prefix}*`,
        "deploy the app stacks, or list the rules in EVENT_RULE_NAMES / pass --rule-prefix",
      ),
    ];
  const results: DoctorCheck[] = [];
  for (const name of names) {
    try {
      const rule = await clients.events.send(new DescribeRuleCommand({ Name: name }));
      results.push(
        rule.State === "ENABLED"
          ? ok(`rule ${name}`, `ENABLED${rule.ScheduleExpression ? ` (${rule.ScheduleExpression})` : ""}`)
          : fail(`rule ${name}`, `${rule.State ?? "UNKNOWN"}`, `aws events enable-rule --name ${name}`),
      );
    } catch (error) {
      results.push(
        fail(`rule ${name}`, why(error), "check the rule's name and events:DescribeRule permission"),
      );
    }
  }
  return results;
}

const PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE"] as const;

async function checkPostgres(env: Env, clients: DoctorClients): Promise<DoctorCheck[]> {
  const schema = env.WAREHOUSE_SCHEMA || "warehouse";
  const check = "warehouse (PostgreSQL)";
  if (!env.WAREHOUSE_SECRET_ARN && !env.WAREHOUSE_URL)
    return [
      fail(check, "neither WAREHOUSE_SECRET_ARN nor WAREHOUSE_URL is set", "export the load's variables"),
    ];
  let client: pg.Client;
  try {
    const resolve = createConnectionResolver(clients.secrets, undefined, { env });
    client = new pg.Client(await resolve({ secretArn: env.WAREHOUSE_SECRET_ARN, url: env.WAREHOUSE_URL }));
    await client.connect();
  } catch (error) {
    return [
      fail(
        check,
        `cannot connect: ${messageOf(error)}`,
        "check the security groups (the doctor must reach the database as the functions do), the secret, and DB_TLS / DB_TLS_CA_FILE",
      ),
    ];
  }
  try {
    const who = await client.query<{ user: string; exists: boolean }>(
      "select current_user as user, exists (select 1 from pg_namespace where nspname = $1) as exists",
      [schema],
    );
    const user = who.rows[0]?.user ?? "?";
    if (!who.rows[0]?.exists)
      return [fail(check, `connected as ${user}; schema ${schema} does not exist`, "run etl migrate")];
    const usage = await client.query<{ usage: boolean; create: boolean }>(
      "select has_schema_privilege($1, 'USAGE') as usage, has_schema_privilege($1, 'CREATE') as create",
      [schema],
    );
    const results: DoctorCheck[] = [ok("warehouse connection", `connected as ${user}`)];
    if (!usage.rows[0]?.usage || !usage.rows[0]?.create)
      results.push(
        fail(
          `grants on schema ${schema}`,
          `${user} lacks ${[!usage.rows[0]?.usage && "USAGE", !usage.rows[0]?.create && "CREATE"].filter(Boolean).join(" and ")}`,
          `grant usage, create on schema ${quoteIdent(schema)} to ${quoteIdent(user)}`,
        ),
      );
    else results.push(ok(`grants on schema ${schema}`, `${user} has USAGE and CREATE`));
    const tables = await client.query<Record<string, string | boolean>>(
      `select c.relname as name, ${PRIVILEGES.map((p) => `has_table_privilege(c.oid, '${p}') as ${p.toLowerCase()}`).join(", ")}
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'p') order by 1`,
      [schema],
    );
    const present = new Set(tables.rows.map((r) => String(r.name)));
    const missing = STAR_TABLE_NAMES.filter((t) => !present.has(t));
    const lacking = tables.rows
      .map((r) => ({ name: String(r.name), lacks: PRIVILEGES.filter((p) => r[p.toLowerCase()] !== true) }))
      .filter((t) => t.lacks.length > 0);
    if (missing.length > 0)
      results.push(fail(`tables in ${schema}`, `missing: ${missing.join(", ")}`, "run etl migrate"));
    if (lacking.length > 0)
      results.push(
        fail(
          `grants on tables in ${schema}`,
          lacking.map((t) => `${t.name} lacks ${t.lacks.join(", ")}`).join("; "),
          `grant select, insert, update, delete on all tables in schema ${quoteIdent(schema)} to ${quoteIdent(user)}`,
        ),
      );
    if (missing.length === 0 && lacking.length === 0)
      results.push(
        ok(`grants on tables in ${schema}`, `${present.size} tables, all read and written by ${user}`),
      );
    return results;
  } catch (error) {
    return [fail(check, messageOf(error), "check the warehouse user's grants")];
  } finally {
    await client.end();
  }
}

/** One sample row per star table: a value of each column's real type. */
export function sampleRow(table: StarTable): Record<string, string | number | boolean> {
  const row: Record<string, string | number | boolean> = {};
  for (const column of STAR_COLUMNS[table]) row[column.name] = sampleValue(column);
  return row;
}

function sampleValue(column: ColumnSpec): string | number | boolean {
  switch (column.type) {
    case "int":
      return 7;
    case "bigint":
      return 1_234_567_890_123;
    case "date":
      return "2026-11-23";
    case "time":
      return "14:15:16.123456";
    case "timestamp":
      // Travels as text (like the times) and is cast in the merge; staging holds the text.
      return "2026-11-23 14:15:16.123456";
    case "boolean":
      return true;
    case "decimal": {
      const scale = column.scale ?? 0;
      return scale > 0 ? `-1.${"2".repeat(scale)}` : "-1";
    }
    default:
      return "etl doctor";
  }
}

function fieldValue(field: Field): string | number | boolean | null {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  return null;
}

/** The batch that COPYs the doctor's file of `table` into a session temporary table and reads it back. */
export function redshiftCopyCheckSql(
  schema: string,
  table: StarTable,
  bucket: string,
  key: string,
  iamRoleArn: string,
): string[] {
  const temp = quoteIdent(`doctor_${table}`);
  const columns = STAR_COLUMNS[table].map((c) => quoteIdent(c.name)).join(", ");
  return [
    `create temp table ${temp} (like ${qualified(schema, redshiftStagingName(table))})`,
    `copy ${temp} (${columns}) from ${sqlLiteral(s3Uri(bucket, key), "S3 URI")} iam_role ${iamRoleLiteral(iamRoleArn)} format as parquet`,
    `select ${columns} from ${temp}`,
  ];
}

async function checkRedshift(
  env: Env,
  clients: DoctorClients,
  token: string,
  timeoutMs: number,
): Promise<DoctorCheck[]> {
  const database = env.REDSHIFT_DATABASE;
  if ((!env.REDSHIFT_WORKGROUP && !env.REDSHIFT_CLUSTER_ID) || !database)
    return [
      fail(
        "warehouse (Redshift)",
        "REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID, and REDSHIFT_DATABASE, must be set",
        "export the load's variables",
      ),
    ];
  // The same target the load functions use: their secret, or their own IAM identity.
  const target = {
    database,
    ...(env.REDSHIFT_WORKGROUP ? { workgroupName: env.REDSHIFT_WORKGROUP } : {}),
    ...(env.REDSHIFT_CLUSTER_ID ? { clusterIdentifier: env.REDSHIFT_CLUSTER_ID } : {}),
    ...(env.REDSHIFT_SECRET_ARN ? { secretArn: env.REDSHIFT_SECRET_ARN } : {}),
  };
  const api: RedshiftDataApi = createRedshiftDataApi(clients.redshift, target);
  const wait = () => ({ deadline: Date.now() + timeoutMs, firstDelayMs: 200, maxDelayMs: 2_000 });
  const results: DoctorCheck[] = [];
  try {
    // No parameters: the Data API refuses an empty parameter list.
    const id = await api.submit("select current_user", `etl-doctor-${token}`);
    const status = await waitForStatement(api, id, wait());
    if (status.state !== "FINISHED") throw new Error(`${status.state}: ${status.error ?? "no error given"}`);
    const rows = await api.rows(id);
    results.push(ok("Redshift Data API", `runs as ${String(rows[0]?.current_user ?? "?")}`));
  } catch (error) {
    return [
      fail(
        "Redshift Data API",
        messageOf(error),
        "check redshift-data:ExecuteStatement and the workgroup/cluster, database and secret names",
      ),
    ];
  }
  const role = env.REDSHIFT_COPY_ROLE_ARN;
  const bucket = env.PROCESSED_BUCKET;
  if (!role || !bucket) {
    results.push(
      fail(
        "Redshift COPY",
        "REDSHIFT_COPY_ROLE_ARN and PROCESSED_BUCKET must be set",
        "export the load's variables",
      ),
    );
    return results;
  }
  const schema = env.WAREHOUSE_SCHEMA || "warehouse";
  for (const table of STAR_TABLE_NAMES) {
    const check = `Redshift COPY ${table}`;
    const key = `doctor/${token}/${table}.parquet`;
    const row = sampleRow(table);
    try {
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: writeParquet(starParquetColumns(table), [row]),
        }),
      );
      const batch = await clients.redshift.send(
        new BatchExecuteStatementCommand({
          ...(target.workgroupName ? { WorkgroupName: target.workgroupName } : {}),
          ...(target.clusterIdentifier ? { ClusterIdentifier: target.clusterIdentifier } : {}),
          ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
          Database: database,
          Sqls: redshiftCopyCheckSql(schema, table, bucket, key, role),
          StatementName: `etl-doctor-${token}`,
        }),
      );
      const id = batch.Id ?? "";
      const status = await waitForStatement(api, id, wait());
      if (status.state !== "FINISHED") {
        results.push(
          fail(
            check,
            `${status.state}: ${status.error ?? "no error given"}`,
            "check the COPY role's access to the bucket (and its KMS key), its association with the warehouse, and etl migrate",
          ),
        );
        continue;
      }
      const result = await clients.redshift.send(new GetStatementResultCommand({ Id: `${id}:3` }));
      const names = (result.ColumnMetadata ?? []).map((c) => c.name ?? "");
      const read = (result.Records?.[0] ?? []).map(fieldValue);
      const differences = STAR_COLUMNS[table]
        .map((c) => ({ name: c.name, wrote: row[c.name], read: read[names.indexOf(c.name)] }))
        .filter((d) => d.wrote !== d.read);
      results.push(
        differences.length === 0
          ? ok(check, `${STAR_COLUMNS[table].length} columns read back equal`)
          : fail(
              check,
              differences
                .map((d) => `${d.name} wrote ${JSON.stringify(d.wrote)} read ${JSON.stringify(d.read)}`)
                .join("; "),
              "the staging table's column types differ from the files': run etl migrate",
            ),
      );
    } catch (error) {
      results.push(fail(check, why(error), "check s3:PutObject on the processed bucket and the Data API"));
    } finally {
      await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    }
  }
  return results;
}

/** Runs every check against the deployed stack the variables name; harmless calls only. */
export async function runDoctorChecks(
  env: Env,
  clients: DoctorClients,
  options: DoctorOptions = {},
): Promise<DoctorCheck[]> {
  const token = options.token ?? randomUUID().slice(0, 8);
  const now = options.now ?? (() => new Date());
  const results = [
    ...(await checkSecrets(env, clients)),
    ...(await checkTables(env, clients)),
    await checkTopic(env, clients, now),
    ...(await checkQueues(env, clients)),
    ...(await checkRules(env, clients, options.rulePrefix ?? "Etl")),
  ];
  if ((env.WAREHOUSE_TARGET ?? "postgres") === "redshift")
    results.push(...(await checkRedshift(env, clients, token, options.statementTimeoutMs ?? 120_000)));
  else results.push(...(await checkPostgres(env, clients)));
  return results;
}

const MARK = { ok: "✓", fail: "✗", warn: "!" } as const;

/** The checklist as lines: a mark per check, then the fix under each failure or warning. */
export function formatChecklist(results: readonly DoctorCheck[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.check}: ${r.detail}`);
    if (r.fix) lines.push(`    fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === "fail").length;
  const warned = results.filter((r) => r.status === "warn").length;
  lines.push(`${results.length - failed - warned} passed, ${failed} failed, ${warned} warning(s)`);
  return lines;
}

export const doctor: Command = {
  name: "doctor",
  summary: "check a deployed stack with harmless calls: secrets, tables, alerts, queues, rules, warehouse",
  usage: `etl doctor --aws [--json] [--rule-prefix PREFIX]

  Reads the variables the functions read (as etl status --aws does) and the default AWS
  credential chain; AWS_REGION picks the region. Every check is a harmless call:

  secret <VAR>         GetSecretValue of each of ${SECRET_VARIABLES.join(", ")}
                       that is set succeeds (the value is never printed)
  table <VAR>          DescribeTable of AUDIT_TABLE, FAILURE_TABLE, STATE_TABLE: ACTIVE, and
                       DescribeTimeToLive: TTL enabled on ${TTL_ATTRIBUTE}
  alert topic          Publish to ALERT_TOPIC_ARN a test alert, subject "${DOCTOR_ALERT_SUBJECT}"
                       (check that it reached every subscriber)
  queue <VAR>          for each of ${QUEUE_VARIABLES.join(", ")} that is set:
                       a dead-letter queue attached (RedrivePolicy) with maxReceiveCount >= ${MIN_MAX_RECEIVE_COUNT};
                       a dead-letter queue that holds messages is a warning with its depth
  rule <NAME>          DescribeRule of each EventBridge rule in EVENT_RULE_NAMES (comma-separated),
                       or else named --rule-prefix* (default Etl): ENABLED
  PostgreSQL warehouse (WAREHOUSE_TARGET=postgres): connects through WAREHOUSE_SECRET_ARN or
                       WAREHOUSE_URL (TLS as DB_TLS says), has_schema_privilege USAGE and CREATE on
                       WAREHOUSE_SCHEMA, every star table present, has_table_privilege SELECT,
                       INSERT, UPDATE, DELETE on each table there
  Redshift warehouse   (WAREHOUSE_TARGET=redshift): the Data API as the loaders' identity
                       (REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID, REDSHIFT_DATABASE, REDSHIFT_SECRET_ARN)
                       runs "select current_user"; for every star table, a one-row Parquet file
                       with the real column types (DECIMAL, DATE, BOOLEAN, times as text), written
                       by the transform's writer to PROCESSED_BUCKET under doctor/, is COPYed with
                       REDSHIFT_COPY_ROLE_ARN into a session temporary table shaped like its
                       staging table and read back equal; the file is deleted afterwards

  --json         print the results as JSON ([{check, status, detail, fix?}])
  --rule-prefix  the name prefix of the stack's EventBridge rules (default Etl)

  Prints a checklist (✓ passed, ✗ failed with its fix, ! warning) and exits 1 on any failure.`,
  options: {
    aws: { type: "boolean" },
    json: { type: "boolean" },
    "rule-prefix": { type: "string" },
  },
  async run({ values }) {
    if (values.aws !== true)
      throw new Error("etl doctor checks a deployed stack: run it as etl doctor --aws (see --help)");
    const env = process.env;
    const results = await runDoctorChecks(env, doctorClients(env.AWS_REGION ?? "eu-west-2", env), {
      rulePrefix: (values["rule-prefix"] as string | undefined) ?? "Etl",
    });
    if (values.json === true) out(JSON.stringify(results, null, 2));
    else for (const line of formatChecklist(results)) out(line);
    return results.some((r) => r.status === "fail") ? 1 : 0;
  },
};
