import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementCommandOutput,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  type GetStatementResultCommandOutput,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { DataError, TransientError } from "@etl/schemas";

/** Which Redshift the Data API talks to: a serverless workgroup or a provisioned cluster. */
export interface RedshiftTarget {
  database: string;
  workgroupName?: string;
  clusterIdentifier?: string;
  /** Secrets Manager credentials; without it, IAM (`dbUser` on a cluster, the role on serverless). */
  secretArn?: string;
  dbUser?: string;
}

export type StatementState = "SUBMITTED" | "PICKED" | "STARTED" | "FINISHED" | "FAILED" | "ABORTED";

export const TERMINAL_STATES: readonly StatementState[] = ["FINISHED", "FAILED", "ABORTED"];

export function isTerminal(state: StatementState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** What `DescribeStatement` says, with the failing sub-statement of a batch singled out. */
export interface StatementStatus {
  id: string;
  state: StatementState;
  error?: string;
  /** The SQL of the sub-statement that failed (a batch), or of the statement. */
  failedSql?: string;
  /** Redshift's query id of what failed, the key of `SYS_LOAD_ERROR_DETAIL`. */
  failedQueryId?: number;
  /** Index of the failed sub-statement in the batch. */
  failedIndex?: number;
  createdAt?: Date;
  updatedAt?: Date;
}

export type ParameterValues = Record<string, string | number | boolean>;
export type ResultRow = Record<string, string | number | boolean | null>;

/** The Data API calls the load makes, with SDK errors mapped to retryable or not. */
export interface RedshiftDataApi {
  /** Runs the statements as one transaction; returns the statement id. */
  submitBatch(sqls: readonly string[], name: string): Promise<string>;
  /** One statement; values only through named parameters (`:name`). */
  submit(sql: string, name: string, parameters?: ParameterValues): Promise<string>;
  describe(id: string): Promise<StatementStatus>;
  /** Every row of a finished statement's result, following `NextToken`. */
  rows(id: string): Promise<ResultRow[]>;
}

/**
 * A request the API refuses (`ValidationException`, an unknown statement) cannot succeed later;
 * everything else (throttling, too many active statements, connection and service faults) is
 * retryable.
 */
function toDataApiError(error: unknown, what: string): Error {
  const name = (error as { name?: string }).name ?? "Error";
  const message = `${what}: ${name}: ${error instanceof Error ? error.message : String(error)}`;
  if (name === "ValidationException" || name === "ResourceNotFoundException") {
    return new DataError(message, { code: `REDSHIFT_${name}`, cause: error });
  }
  return new TransientError(message, { code: `REDSHIFT_${name}`, cause: error });
}

function fieldValue(field: Field): string | number | boolean | null {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString("base64");
  return null;
}

/**
 * The Data API over an SDK client. Batches (table loads, migrations) are sent `WithEvent: true`,
 * so their completion reaches EventBridge, the completion handler's trigger; single queries are
 * always awaited and send no event. Names carry a short correlation id only.
 *
 * @example
 * const api = createRedshiftDataApi(new RedshiftDataClient({}), { workgroupName: "etl", database: "dev" });
 * const id = await api.submitBatch(tableBatchSql(input), "etl-load-1a2b3c4d");
 */
export function createRedshiftDataApi(client: RedshiftDataClient, target: RedshiftTarget): RedshiftDataApi {
  const where = {
    Database: target.database,
    ...(target.workgroupName ? { WorkgroupName: target.workgroupName } : {}),
    ...(target.clusterIdentifier ? { ClusterIdentifier: target.clusterIdentifier } : {}),
    ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
    ...(target.dbUser && !target.secretArn ? { DbUser: target.dbUser } : {}),
  };
  return {
    async submitBatch(sqls, name) {
      try {
        const out = await client.send(
          new BatchExecuteStatementCommand({
            ...where,
            Sqls: [...sqls],
            StatementName: name,
            WithEvent: true,
          }),
        );
        if (!out.Id) throw new TransientError("BatchExecuteStatement returned no statement id");
        return out.Id;
      } catch (error) {
        throw error instanceof TransientError ? error : toDataApiError(error, "BatchExecuteStatement");
      }
    },
    async submit(sql, name, parameters) {
      // The Data API refuses an empty Parameters list: a query without values sends none.
      const entries = Object.entries(parameters ?? {});
      const Parameters =
        entries.length > 0 ? entries.map(([key, value]) => ({ name: key, value: String(value) })) : undefined;
      try {
        const out = await client.send(
          new ExecuteStatementCommand({
            ...where,
            Sql: sql,
            StatementName: name,
            ...(Parameters ? { Parameters } : {}),
          }),
        );
        if (!out.Id) throw new TransientError("ExecuteStatement returned no statement id");
        return out.Id;
      } catch (error) {
        throw error instanceof TransientError ? error : toDataApiError(error, "ExecuteStatement");
      }
    },
    async describe(id) {
      let out: DescribeStatementCommandOutput;
      try {
        out = await client.send(new DescribeStatementCommand({ Id: id }));
      } catch (error) {
        throw toDataApiError(error, `DescribeStatement ${id}`);
      }
      const state = (out.Status ?? "SUBMITTED") as StatementState;
      const status: StatementStatus = { id, state };
      if (out.CreatedAt) status.createdAt = out.CreatedAt;
      if (out.UpdatedAt) status.updatedAt = out.UpdatedAt;
      if (state === "FAILED" || state === "ABORTED") {
        if (out.Error) status.error = out.Error;
        const subs = out.SubStatements ?? [];
        const failedIndex = subs.findIndex((s) => s.Status === "FAILED" || s.Status === "ABORTED");
        const failed = failedIndex >= 0 ? subs[failedIndex] : undefined;
        if (failed) {
          status.failedIndex = failedIndex;
          if (failed.Error) status.error = failed.Error;
          if (failed.QueryString) status.failedSql = failed.QueryString;
          if (failed.RedshiftQueryId) status.failedQueryId = failed.RedshiftQueryId;
        } else {
          if (out.QueryString) status.failedSql = out.QueryString;
          if (out.RedshiftQueryId) status.failedQueryId = out.RedshiftQueryId;
        }
      }
      return status;
    },
    async rows(id) {
      const rows: ResultRow[] = [];
      let token: string | undefined;
      do {
        let out: GetStatementResultCommandOutput;
        try {
          out = await client.send(
            new GetStatementResultCommand({ Id: id, ...(token ? { NextToken: token } : {}) }),
          );
        } catch (error) {
          throw toDataApiError(error, `GetStatementResult ${id}`);
        }
        const names = (out.ColumnMetadata ?? []).map((c, i) => c.name ?? c.label ?? `column_${i + 1}`);
        for (const record of out.Records ?? []) {
          const row: ResultRow = {};
          record.forEach((field, i) => {
            row[names[i] ?? `column_${i + 1}`] = fieldValue(field);
          });
          rows.push(row);
        }
        token = out.NextToken;
      } while (token);
      return rows;
    },
  };
}

/** The Data API with a client of its own, for tools that hold no SDK client (`etl migrate`). */
export function connectRedshiftDataApi(target: RedshiftTarget, region: string): RedshiftDataApi {
  return createRedshiftDataApi(new RedshiftDataClient({ region }), target);
}
