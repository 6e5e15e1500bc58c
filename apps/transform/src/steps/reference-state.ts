import { gunzipSync, gzipSync } from "node:zlib";
import { type ObjectStore, objectUrl, stateKey } from "@etl/s3-io";
import {
  DataError,
  type ManifestFile,
  messageOf,
  type RunId,
  SOURCE_SCHEMAS,
  SOURCE_TABLES,
  type SourceRow,
  type SourceTable,
} from "@etl/schemas";
import { putImmutable, sha256Hex, type WrittenObject } from "./put-immutable";

/**
 * The reference tables whose current state the transform keeps: the rows other rows depend on
 * (an address for `dim_location` and `dim_counterparty`, a department for `dim_staff`) and the
 * small tables facts refer to, so a fact's references can be checked without the OLTP database.
 */
export const STATE_TABLES = [
  "address",
  "counterparty",
  "currency",
  "department",
  "design",
  "payment_type",
  "staff",
] as const satisfies readonly SourceTable[];

export type StateTable = (typeof STATE_TABLES)[number];

export function isStateTable(table: string): table is StateTable {
  return (STATE_TABLES as readonly string[]).includes(table);
}

/** The newest version of every row of each reference table, by primary key. */
export type ReferenceState = { [T in StateTable]: ReadonlyMap<number, SourceRow<T>> };

/** Rows of the reference tables a run changed. */
export type ReferenceChanges = { [T in StateTable]?: readonly SourceRow<T>[] };

export function emptyReferenceState(): ReferenceState {
  return {
    address: new Map(),
    counterparty: new Map(),
    currency: new Map(),
    department: new Map(),
    design: new Map(),
    payment_type: new Map(),
    staff: new Map(),
  };
}

export function primaryKeyOf<T extends SourceTable>(table: T, row: SourceRow<T>): number {
  const id = (row as Record<string, unknown>)[SOURCE_TABLES[table]];
  return typeof id === "number" ? id : Number.NaN;
}

function merged<T extends StateTable>(
  table: T,
  current: ReadonlyMap<number, SourceRow<T>>,
  changes: readonly SourceRow<T>[] | undefined,
): ReadonlyMap<number, SourceRow<T>> {
  if (changes === undefined || changes.length === 0) return current;
  const next = new Map(current);
  for (const row of changes) {
    const id = primaryKeyOf(table, row);
    const seen = next.get(id);
    // Parsed timestamps are canonical `YYYY-MM-DD HH:MM:SS.ffffff`: string order is time order.
    if (seen === undefined || row.last_updated >= seen.last_updated) next.set(id, row);
  }
  return next;
}

/** The state after a run: each changed row replaces its key's row unless that one is newer. */
export function mergeReferenceState(state: ReferenceState, changes: ReferenceChanges): ReferenceState {
  return {
    address: merged("address", state.address, changes.address),
    counterparty: merged("counterparty", state.counterparty, changes.counterparty),
    currency: merged("currency", state.currency, changes.currency),
    department: merged("department", state.department, changes.department),
    design: merged("design", state.design, changes.design),
    payment_type: merged("payment_type", state.payment_type, changes.payment_type),
    staff: merged("staff", state.staff, changes.staff),
  };
}

/**
 * The state without the rows deleted at the source, and the tables that lost a row (their state
 * objects are written again). A deleted row leaves the state, so no later change (a department's,
 * say) rebuilds its dimension row as if it still existed, and a fact that references it is bad
 * data, as the source's foreign keys make it. Pure.
 */
export function withoutDeleted(
  state: ReferenceState,
  deletions: readonly { table: string; keys: readonly number[] }[],
): { state: ReferenceState; changed: Set<StateTable> } {
  const next = { ...state } as { [T in StateTable]: ReadonlyMap<number, SourceRow<T>> };
  const changed = new Set<StateTable>();
  for (const { table, keys } of deletions) {
    if (!isStateTable(table)) continue;
    const rows = new Map(next[table] as ReadonlyMap<number, unknown>);
    for (const key of keys) if (rows.delete(key)) changed.add(table);
    (next as Record<StateTable, ReadonlyMap<number, unknown>>)[table] = rows;
  }
  return { state: next, changed };
}

/**
 * Reads the state objects a processed manifest points to. Each object's SHA-256 must equal the
 * manifest's and every row must parse with its table's source schema.
 */
export async function readReferenceState(
  store: ObjectStore,
  bucket: string,
  pointers: Readonly<Record<string, ManifestFile>>,
): Promise<ReferenceState> {
  const state = emptyReferenceState() as { [T in StateTable]: Map<number, SourceRow<T>> };
  for (const table of STATE_TABLES) {
    const pointer = pointers[table];
    if (pointer === undefined) continue;
    const where = objectUrl(bucket, pointer.key);
    const body = await store.get(bucket, pointer.key);
    if (sha256Hex(body) !== pointer.sha256) {
      throw new DataError(`state ${where}: SHA-256 differs from the processed manifest's`, {
        code: "BAD_STATE",
      });
    }
    const rows: Map<number, SourceRow<typeof table>> = state[table];
    const text = gunzipSync(body).toString("utf8");
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line === undefined || line === "") continue;
      let row: SourceRow<typeof table>;
      try {
        row = SOURCE_SCHEMAS[table].parse(JSON.parse(line)) as SourceRow<typeof table>;
      } catch (error) {
        throw new DataError(`state ${where} line ${i + 1}: ${messageOf(error)}`, {
          code: "BAD_STATE",
          cause: error,
        });
      }
      rows.set(primaryKeyOf(table, row), row);
    }
  }
  return state;
}

/** A state object written (or reused) by this run. */
export interface StateFile extends ManifestFile {
  table: StateTable;
}

/** gzip JSON Lines of a table's state, rows sorted by key: the same state gives the same bytes. */
export function serialiseState<T extends StateTable>(rows: ReadonlyMap<number, SourceRow<T>>): Uint8Array {
  const ids = [...rows.keys()].sort((a, b) => a - b);
  const text = ids.map((id) => `${JSON.stringify(rows.get(id))}\n`).join("");
  return new Uint8Array(gzipSync(text, { level: 6 }));
}

/**
 * Writes `state/<table>/<runId>-<attempt>.jsonl.gz` for every reference table the run changed and returns
 * the manifest's `state` map: the new objects, and the previous run's pointers for tables that
 * did not change (objects are immutable, so pointing at an older one is safe).
 */
export async function writeReferenceState(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
  attempt: string,
  state: ReferenceState,
  changed: ReadonlySet<StateTable>,
  previous: Readonly<Record<string, ManifestFile>>,
  onWritten?: (file: StateFile) => void,
): Promise<Record<string, ManifestFile>> {
  const pointers: Record<string, ManifestFile> = {};
  for (const table of STATE_TABLES) {
    const before = previous[table];
    if (!changed.has(table)) {
      if (before !== undefined) pointers[table] = before;
      continue;
    }
    const rows = state[table];
    const written: WrittenObject = await putImmutable(
      store,
      bucket,
      stateKey(table, runId, attempt),
      serialiseState(rows),
      {
        contentType: "application/x-ndjson",
      },
    );
    pointers[table] = { key: written.key, rows: rows.size, bytes: written.bytes, sha256: written.sha256 };
    onWritten?.({
      table,
      key: written.key,
      rows: rows.size,
      bytes: written.bytes,
      sha256: written.sha256,
    });
  }
  return pointers;
}
