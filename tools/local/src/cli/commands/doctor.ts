import { TTL_ATTRIBUTE } from "@etl/ops/aws";
import {
  DOCTOR_ALERT_SUBJECT,
  doctorClients,
  MIN_MAX_RECEIVE_COUNT,
  QUEUE_VARIABLES,
  SECRET_VARIABLES,
} from "../../doctor/doctor-check";
import { formatChecklist, runDoctorChecks } from "../../doctor/run-doctor-checks";
import { type Command, out } from "../command";

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
