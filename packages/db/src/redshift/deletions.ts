import { DataError, STAR_TABLE_NAMES, type StarDeletion } from "@etl/schemas";
import { type DeletionValues, deletionSql } from "../warehouse/deletion-sql";
import { sqlLiteral } from "./literals";

/** Keys per statement: 5,000 keys of up to 10 digits stay well below the 100 KB statement limit. */
export const DELETION_KEYS_PER_STATEMENT = 5000;

const SOURCE_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/** The keys and the time as literals: integers written by `String`, the time after the allow-list. */
function literalValues(keys: readonly number[], deletedAt: string): DeletionValues {
  for (const key of keys) {
    if (!Number.isSafeInteger(key) || key < 0) {
      throw new DataError(`refused deletion key ${key}: not a non-negative integer`, { code: "BAD_LITERAL" });
    }
  }
  if (!SOURCE_TIMESTAMP.test(deletedAt)) {
    throw new DataError(`refused deletion time ${JSON.stringify(deletedAt)}`, { code: "BAD_LITERAL" });
  }
  const at = `cast(${sqlLiteral(deletedAt, "deletion time")} as timestamp)`;
  return { keyIn: (column) => `${column} in (${keys.map(String).join(", ")})`, at };
}

/**
 * The statements that apply a run's deletions on Redshift, in load order (dimensions before
 * facts), at most `DELETION_KEYS_PER_STATEMENT` keys each: dimensions marked deleted, facts given
 * a deletion version (see `deletionSql`). `BatchExecuteStatement` takes no parameters, so keys
 * and times are literals, checked first. Every statement is idempotent, so the batch may run
 * again after a failure or a replay.
 */
export function redshiftDeletionStatements(schema: string, deletions: readonly StarDeletion[]): string[] {
  const ordered = [...deletions].sort(
    (a, b) => STAR_TABLE_NAMES.indexOf(a.table) - STAR_TABLE_NAMES.indexOf(b.table),
  );
  return ordered.flatMap((d) => {
    const statements: string[] = [];
    for (let i = 0; i < d.keys.length; i += DELETION_KEYS_PER_STATEMENT) {
      const keys = d.keys.slice(i, i + DELETION_KEYS_PER_STATEMENT);
      statements.push(deletionSql(schema, d.table, literalValues(keys, d.deletedAt)));
    }
    return statements;
  });
}
