import type { FileLoadSpec, TableColumn } from "@etl/db/file-load";
import type { FileRule } from "@etl/db/rules";

/** Columns of the rule missing from the target, or why the target cannot take the file. */
export function targetProblems(rule: FileRule, columns: readonly TableColumn[]): string | undefined {
  const target = `${rule.target?.schema}.${rule.target?.table}`;
  if (columns.length === 0) return `the target table ${target} does not exist`;
  const known = new Set(columns.map((c) => c.name));
  const missing = (rule.columns ?? []).flatMap((c) =>
    c.name !== undefined && !known.has(c.name) ? [c.name] : [],
  );
  return missing.length > 0 ? `${target} has no column ${missing.join(", ")}` : undefined;
}

/** What the warehouse loads: the rule's columns typed by the target, and the ledger row. */
export function toFileLoadSpec(
  rule: FileRule,
  columns: readonly TableColumn[],
  ledger: { schema: string; key: string; sha256: string; rows: number; at: Date },
): FileLoadSpec {
  const types = new Map(columns.map((c) => [c.name, c.dataType]));
  const target = rule.target ?? { schema: "", table: "" };
  return {
    schema: target.schema,
    table: target.table,
    fields: (rule.columns ?? []).map((c) =>
      c.name === undefined
        ? {}
        : { column: c.name, ...(types.has(c.name) ? { dataType: types.get(c.name) } : {}) },
    ),
    mode: rule.writeMode,
    keys: rule.mergeKeys ?? [],
    timeZone: rule.timeZone,
    ...(rule.followUp ? { followUp: rule.followUp } : {}),
    ledger: {
      controlSchema: ledger.schema,
      key: ledger.key,
      runId: `files:${rule.name}`,
      table: `${target.schema}.${target.table}`,
      sha256: ledger.sha256,
      rows: ledger.rows,
      loadedAt: ledger.at,
    },
  };
}
