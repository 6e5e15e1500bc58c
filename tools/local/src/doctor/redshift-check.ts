import {
  BatchExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
} from "@aws-sdk/client-redshift-data";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { qualified, quoteIdent } from "@etl/db";
import {
  createRedshiftDataApi,
  iamRoleLiteral,
  type RedshiftDataApi,
  redshiftStagingName,
  s3Uri,
  sqlLiteral,
  waitForStatement,
} from "@etl/db/redshift";
import { starParquetColumns, writeParquet } from "@etl/s3-io/parquet";
import { type ColumnSpec, messageOf, STAR_COLUMNS, STAR_TABLE_NAMES, type StarTable } from "@etl/schemas";
import { type DoctorCheck, type DoctorClients, type Env, fail, ok, why } from "./doctor-check";

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

export async function checkRedshift(
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
