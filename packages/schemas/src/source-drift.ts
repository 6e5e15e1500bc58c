import { z } from "zod";
import {
  SOURCE_SCHEMAS,
  SourceDateSchema,
  SourceNumericSchema,
  SourceTimestampSchema,
  sourceColumns,
} from "./source";
import { SOURCE_TABLE_NAMES, type SourceTable } from "./tables";

/**
 * Tables of the source schema that are neither read nor reported: the real totesys holds the
 * migration ledger of its ORM beside the business tables.
 */
export const IGNORED_SOURCE_TABLES: readonly string[] = ["_prisma_migrations"];

/** One column as `information_schema.columns` describes it (`data_type`, without length). */
export interface CatalogColumn {
  table: string;
  column: string;
  type: string;
}

/**
 * The PostgreSQL `data_type` (as `information_schema.columns` names it) a source schema's field
 * stands for. Derived from the zod contract, so the types live in one place: the source row
 * schemas. The agreed dates and `payment_date` are `varchar` in totesys.
 */
export function postgresTypeOf(field: z.ZodType): string {
  // A column carried later is `.nullable().optional()`: raw rows from before it lack it.
  if (field instanceof z.ZodOptional || field instanceof z.ZodNullable)
    return postgresTypeOf(field.unwrap() as z.ZodType);
  const inner = field;
  if (inner === SourceTimestampSchema) return "timestamp without time zone";
  if (inner === SourceNumericSchema) return "numeric";
  if (inner === SourceDateSchema) return "character varying";
  if (inner instanceof z.ZodNumber) return "integer";
  if (inner instanceof z.ZodBoolean) return "boolean";
  if (inner instanceof z.ZodString || inner instanceof z.ZodEnum) return "character varying";
  throw new Error(`no PostgreSQL type is known for a ${inner.def.type} source field`);
}

/** Each source table's columns and their PostgreSQL `data_type`, in schema order. */
export const SOURCE_COLUMN_TYPES: Record<SourceTable, Readonly<Record<string, string>>> = Object.fromEntries(
  SOURCE_TABLE_NAMES.map((table) => {
    const shape = SOURCE_SCHEMAS[table].shape as Record<string, z.ZodType>;
    return [
      table,
      Object.fromEntries(sourceColumns(table).map((c) => [c, postgresTypeOf(shape[c] as z.ZodType)])),
    ];
  }),
) as Record<SourceTable, Readonly<Record<string, string>>>;

/** A column the source has and the contract does not: read and kept in the raw files, ignored downstream. */
export const AddedColumnSchema = z.strictObject({ name: z.string().min(1), type: z.string().min(1) });
export type AddedColumn = z.infer<typeof AddedColumnSchema>;

/** A contract column the source lost or changed: the run cannot be transformed. */
export interface BrokenColumn {
  table: SourceTable;
  column: string;
  /** The contract's type. */
  expected: string;
  /** The source's type; undefined when the column is gone (dropped or renamed). */
  actual?: string;
}

/** How the source differs from the contract. */
export interface SourceDrift {
  /** Per table read, the columns the contract does not know, in catalog order. */
  added: Partial<Record<SourceTable, AddedColumn[]>>;
  /** Contract columns dropped, renamed (dropped plus added) or retyped. */
  broken: BrokenColumn[];
  /** Tables of the source schema outside the allow-list, sorted. */
  newTables: string[];
}

/**
 * Compares the source's catalog with the contract for the tables a run reads. A table of the
 * run that the catalog does not list at all is left to the read (which names it as missing).
 *
 * @example
 * compareSourceSchema(await snapshot.describeColumns(), SOURCE_TABLE_NAMES).broken // []
 */
export function compareSourceSchema(
  catalog: readonly CatalogColumn[],
  tables: readonly SourceTable[],
): SourceDrift {
  const byTable = new Map<string, CatalogColumn[]>();
  for (const c of catalog) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  const drift: SourceDrift = { added: {}, broken: [], newTables: [] };
  for (const table of tables) {
    const columns = byTable.get(table);
    if (columns === undefined) continue;
    const expected = SOURCE_COLUMN_TYPES[table];
    const actual = new Map(columns.map((c) => [c.column, c.type]));
    for (const [column, type] of Object.entries(expected)) {
      const found = actual.get(column);
      if (found === type) continue;
      drift.broken.push({ table, column, expected: type, ...(found === undefined ? {} : { actual: found }) });
    }
    const added = columns
      .filter((c) => !Object.hasOwn(expected, c.column))
      .map((c) => ({ name: c.column, type: c.type }));
    if (added.length > 0) drift.added[table] = added;
  }
  const known = new Set<string>([...SOURCE_TABLE_NAMES, ...IGNORED_SOURCE_TABLES]);
  drift.newTables = [...byTable.keys()].filter((t) => !known.has(t)).sort();
  return drift;
}

/**
 * What a person reads when a run is refused: each broken column with its old and new type, and
 * what to do.
 */
export function describeBrokenColumns(broken: readonly BrokenColumn[]): string {
  const each = broken.map((b) =>
    b.actual === undefined
      ? `${b.table}.${b.column} (${b.expected}) is gone (dropped or renamed)`
      : `${b.table}.${b.column} changed type from ${b.expected} to ${b.actual}`,
  );
  return (
    `source schema changed in a way the warehouse cannot follow: ${each.join("; ")}. ` +
    "Nothing was written and the watermarks did not move. Restore the column in the source " +
    "(the next run then reads every change since the last good run), or change the source " +
    "contract in @etl/schemas and the formatters that read it, then deploy (docs/schema-change.md)"
  );
}

/** The state-table namespace of the drift seen so far: one record per change. */
export const SCHEMA_DRIFT_NAMESPACE = "schema-drift";

/** A change of the source seen by ingest and kept in the state table (first seen, by which run). */
export const SchemaDriftRecordSchema = z.strictObject({
  kind: z.enum(["added-column", "new-table"]),
  table: z.string(),
  column: z.string().optional(),
  type: z.string().optional(),
  firstSeenRunId: z.string(),
  firstSeenAt: z.string(),
});
export type SchemaDriftRecord = z.infer<typeof SchemaDriftRecordSchema>;

/**
 * The state-table id of one change. The type is part of an added column's id, so a column
 * retyped again later is a new change, alerted again.
 */
export function schemaDriftId(change: Pick<SchemaDriftRecord, "kind" | "table" | "column" | "type">): string {
  return change.kind === "new-table"
    ? `table#${change.table}`
    : `column#${change.table}#${change.column ?? ""}#${change.type ?? ""}`;
}
