import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import type { RedshiftTarget } from "@etl/db/redshift";
import { WarehouseUnavailableError } from "./errors";
import { type Params, parameterNames } from "./named-params";
import type { Row, WarehouseReader } from "./warehouse-reader";

export interface RedshiftReaderOptions {
  client: RedshiftDataClient;
  target: RedshiftTarget;
  /** A statement not finished by then is given up (default 60 s). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

function fieldValue(field: Field): unknown {
  if (field.isNull) return null;
  return field.stringValue ?? field.longValue ?? field.doubleValue ?? field.booleanValue ?? null;
}

/**
 * Redshift through the Data API. A query opens a session with `begin read only`, runs the
 * statement in that session with its named parameters (the Data API takes `:name` as it is),
 * and ends with `rollback`: the same read-only transaction as on PostgreSQL. Queries run one
 * after another: each holds its own session for the length of its transaction.
 */
export function createRedshiftReader(options: RedshiftReaderOptions): WarehouseReader {
  const { client, target } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const where = {
    Database: target.database,
    ...(target.workgroupName ? { WorkgroupName: target.workgroupName } : {}),
    ...(target.clusterIdentifier ? { ClusterIdentifier: target.clusterIdentifier } : {}),
    ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
    ...(target.dbUser && !target.secretArn ? { DbUser: target.dbUser } : {}),
  };

  const finish = async (id: string, limitMs: number): Promise<void> => {
    const deadline = Date.now() + limitMs;
    let delay = 100;
    for (;;) {
      const status = await client.send(new DescribeStatementCommand({ Id: id }));
      if (status.Status === "FINISHED") return;
      if (status.Status === "FAILED" || status.Status === "ABORTED")
        throw new WarehouseUnavailableError(
          /does not exist/i.test(status.Error ?? "") ? "missing" : "failed",
          `Redshift refused a query: ${status.Error ?? status.Status}`,
        );
      if (Date.now() > deadline)
        throw new WarehouseUnavailableError(
          "failed",
          `a Redshift query did not finish in ${limitMs / 1000} s`,
        );
      await sleep(delay);
      delay = Math.min(delay * 2, 1_000);
    }
  };

  let queue: Promise<unknown> = Promise.resolve();
  const run = async (sql: string, params: Params, limitMs: number): Promise<Row[]> => {
    const parameters = parameterNames(sql).map((name) => {
      const value = params[name];
      if (value === undefined || value === null)
        throw new Error(`the SQL uses :${name} and no value was given for it`);
      return { name, value: String(value) };
    });
    let begun: { Id?: string; SessionId?: string };
    try {
      begun = await client.send(
        new ExecuteStatementCommand({ ...where, Sql: "begin read only", SessionKeepAliveSeconds: 60 }),
      );
    } catch (error) {
      throw new WarehouseUnavailableError(
        "unreachable",
        `the Redshift Data API does not answer: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const session = begun.SessionId ?? "";
    try {
      await finish(begun.Id ?? "", limitMs);
      const statement = await client.send(
        new ExecuteStatementCommand({
          Sql: sql,
          SessionId: session,
          ...(parameters.length ? { Parameters: parameters } : {}),
        }),
      );
      await finish(statement.Id ?? "", limitMs);
      const rows: Row[] = [];
      let next: string | undefined;
      do {
        const page = await client.send(
          new GetStatementResultCommand({ Id: statement.Id ?? "", NextToken: next }),
        );
        const names = (page.ColumnMetadata ?? []).map((c) => c.name ?? c.label ?? "");
        for (const record of page.Records ?? [])
          rows.push(Object.fromEntries(record.map((field, i) => [names[i] ?? String(i), fieldValue(field)])));
        next = page.NextToken;
      } while (next);
      return rows;
    } finally {
      await client
        .send(new ExecuteStatementCommand({ Sql: "rollback", SessionId: session }))
        .catch(() => undefined);
    }
  };

  return {
    name: `Redshift ${target.workgroupName ?? target.clusterIdentifier ?? ""}/${target.database}`,
    query(sql, params = {}, queryOptions = {}) {
      const result = queue.then(() => run(sql, params, queryOptions.timeoutMs ?? timeoutMs));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await queue;
    },
  };
}
