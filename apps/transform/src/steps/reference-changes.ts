import type { ObjectStore } from "@etl/s3-io";
import {
  type AddedColumn,
  DataError,
  type ManifestFile,
  SOURCE_TABLES,
  type SourceRow,
  toDimCounterparty,
  toDimCurrency,
  toDimDesign,
  toDimLocation,
  toDimPaymentType,
  toDimStaff,
} from "@etl/schemas";
import { RawDataError } from "../errors";
import { idOfLine, isRowProblem, type QuarantineSink } from "./quarantine-sink";
import { parseSourceLine, readRawLineChunks } from "./read-source-rows";
import {
  mergeReferenceState,
  primaryKeyOf,
  type ReferenceChanges,
  type ReferenceState,
  type StateTable,
} from "./reference-state";

/** A row read from a raw file, with where it was. */
interface ReadRow<T extends StateTable> {
  row: SourceRow<T>;
  line: string;
  key: string;
  lineNumber: number;
}

/** What a reference table of the run came to. */
export interface ReferenceCount {
  read: number;
  transformed: number;
}

/** The changes a run makes to its reference tables, the rows it held back aside. */
export interface ReferenceRead {
  changes: ReferenceChanges;
  counts: Map<StateTable, ReferenceCount>;
}

/**
 * The formatter each reference table's rows must pass to reach the star; `department` has no
 * dimension of its own (it reaches `dim_staff`). Staff and counterparties are formatted with the
 * rows they join to, from the state as far as it is known.
 */
const FORMAT_CHECKS: { [T in StateTable]: (rows: SourceRow<T>[], state: ReferenceState) => unknown } = {
  address: (rows) => toDimLocation(rows),
  currency: (rows) => toDimCurrency(rows),
  design: (rows) => toDimDesign(rows),
  payment_type: (rows) => toDimPaymentType(rows),
  department: () => undefined,
  staff: (rows, state) => toDimStaff(rows, state.department.values()),
  counterparty: (rows, state) => toDimCounterparty(rows, state.address.values()),
};

/** The reference tables a row depends on, by the column that names it. */
const DEPENDS_ON: { [T in StateTable]?: { column: string; table: StateTable } } = {
  staff: { column: "department_id", table: "department" },
  counterparty: { column: "legal_address_id", table: "address" },
};

/** Tables whose rows depend on no other come first, so a held address holds its counterparties. */
const ORDER: readonly StateTable[] = [
  "address",
  "department",
  "currency",
  "design",
  "payment_type",
  "staff",
  "counterparty",
];

/** Every line of a table's raw files, read the reference way; bad rows held in the sink. */
async function readLines<T extends StateTable>(
  store: ObjectStore,
  bucket: string,
  table: T,
  files: readonly ManifestFile[],
  added: readonly AddedColumn[] | undefined,
  sink: QuarantineSink,
): Promise<{ rows: ReadRow<T>[]; read: number }> {
  const rows: ReadRow<T>[] = [];
  const addedColumns = added?.length ? new Set(added.map((c) => c.name)) : undefined;
  let read = 0;
  for (const file of files) {
    const where = { bucket, key: file.key, table, ...(addedColumns ? { addedColumns } : {}) };
    let lineNumber = 0;
    for await (const chunk of readRawLineChunks(store, bucket, table, file, () => lineNumber)) {
      let at = 0;
      while (at < chunk.length) {
        let stop = chunk.indexOf(10, at);
        if (stop < 0) stop = chunk.length;
        const line = chunk.toString("utf8", at, stop);
        at = stop + 1;
        lineNumber += 1;
        try {
          rows.push({
            row: parseSourceLine(table, line, where, lineNumber),
            line,
            key: file.key,
            lineNumber,
          });
        } catch (error) {
          if (!isRowProblem(error)) throw error;
          sink.holdError(table, error, line, { id: idOfLine(line, SOURCE_TABLES[table]) });
        }
      }
    }
    read += lineNumber;
  }
  return { rows, read };
}

/** Holds one read row for `error` (a formatter's `DataError`, or a held reference). */
function holdRow<T extends StateTable>(
  sink: QuarantineSink,
  bucket: string,
  table: T,
  read: ReadRow<T>,
  error: DataError,
  extra: { column?: string; heldFor?: { table: StateTable; id: number } } = {},
): void {
  const raw = new RawDataError(
    error.message,
    {
      bucket,
      key: read.key,
      table,
      lineNumber: read.lineNumber,
      ...(extra.column ? { column: extra.column } : {}),
    },
    { code: error.code },
  );
  sink.holdError(table, raw, read.line, {
    id: primaryKeyOf(table, read.row),
    ...(extra.heldFor ? { heldFor: extra.heldFor } : {}),
  });
}

/**
 * The rows of `table` the star can take: a row whose reference is held in this run is held with
 * it; the others are formatted together and, only when that fails, one by one, each row the
 * formatter refuses held with the formatter's words.
 */
function admitted<T extends StateTable>(
  table: T,
  rows: ReadRow<T>[],
  state: ReferenceState,
  bucket: string,
  sink: QuarantineSink,
): SourceRow<T>[] {
  const dependency = DEPENDS_ON[table];
  const free: ReadRow<T>[] = [];
  for (const read of rows) {
    const ref = dependency ? (read.row as Record<string, unknown>)[dependency.column] : undefined;
    if (dependency && typeof ref === "number" && sink.heldIds(dependency.table).has(ref)) {
      const id = primaryKeyOf(table, read.row);
      const problem = `${SOURCE_TABLES[table]} ${id} refers to ${dependency.table} ${ref}, which this run holds in quarantine`;
      holdRow(sink, bucket, table, read, new DataError(problem, { code: "HELD_REFERENCE" }), {
        column: dependency.column,
        heldFor: { table: dependency.table, id: ref },
      });
    } else free.push(read);
  }
  // A version older than the one the state keeps never reaches the star (a retried row the
  // source has fixed since): it changes nothing and is not formatted.
  const known = state[table] as ReadonlyMap<number, SourceRow<T>>;
  const stale = (read: ReadRow<T>) =>
    (known.get(primaryKeyOf(table, read.row))?.last_updated ?? "") > read.row.last_updated;
  const superseded = free.filter(stale);
  const current = free.filter((r) => !stale(r));
  const check = FORMAT_CHECKS[table] as (rows: SourceRow<T>[], state: ReferenceState) => unknown;
  try {
    check(
      current.map((r) => r.row),
      state,
    );
    return free.map((r) => r.row);
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
  }
  const kept: SourceRow<T>[] = superseded.map((r) => r.row);
  for (const read of current) {
    try {
      check([read.row], state);
      kept.push(read.row);
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      holdRow(sink, bucket, table, read, error);
    }
  }
  return kept;
}

/**
 * Reads the run's reference tables, every row validated and formatted before it changes the
 * state: a row that fails the source contract, or that the star's formatter refuses (an unknown
 * currency, a staff member whose department is missing), is held in the sink, with the rows of
 * the run that depend on it; the rest are the run's changes.
 */
export async function readReferenceChanges(
  store: ObjectStore,
  bucket: string,
  tables: ReadonlyMap<StateTable, { files: readonly ManifestFile[]; added?: readonly AddedColumn[] }>,
  before: ReferenceState,
  sink: QuarantineSink,
  onTable?: (table: StateTable, key: string | undefined) => void,
): Promise<ReferenceRead> {
  const changes: { [T in StateTable]?: SourceRow<T>[] } = {};
  const counts = new Map<StateTable, ReferenceCount>();
  let state = before;
  for (const table of ORDER) {
    const entry = tables.get(table);
    if (entry === undefined) continue;
    onTable?.(table, entry.files[0]?.key);
    const { rows, read } = await readLines(store, bucket, table, entry.files, entry.added, sink);
    const kept = admitted(table, rows, state, bucket, sink);
    (changes as Record<string, unknown>)[table] = kept;
    counts.set(table, { read, transformed: kept.length });
    // The next tables are formatted against what this one brings.
    state = mergeReferenceState(state, { [table]: kept } as ReferenceChanges);
  }
  return { changes, counts };
}
