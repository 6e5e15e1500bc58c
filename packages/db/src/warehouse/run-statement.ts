import type pg from "pg";
import { type LoadErrorContext, toLoadError } from "../errors";

/** Runs one statement; a failure becomes a load error naming the statement. */
export async function run<T>(
  client: pg.ClientBase,
  sql: string,
  params: unknown[],
  context: LoadErrorContext,
) {
  try {
    return await client.query<T & pg.QueryResultRow>(sql, params);
  } catch (error) {
    throw toLoadError(error, { ...context, sql });
  }
}
