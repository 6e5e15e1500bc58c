import type pg from "pg";
import { dimensionKeyStatements } from "./dimension-key";
import { run } from "./run-statement";
import { exclusiveLockSql, firstLoadSql, isEmptySql, type TablePlan } from "./statements";

// The first load of a table the run found empty, in a savepoint (see `firstLoadSql`): shared by
// the insert from staging (load-table.ts) and the COPY straight into the target (copy-into-empty.ts).

/** The savepoint of a first load: rolling back to it takes back its rows, lock and dropped keys. */
export const FIRST_LOAD_SAVEPOINT = "etl_first_load";
/**
 * The SQLSTATEs after which the run merges instead: a key twice in the run, keys not as declared,
 * and an enforced foreign key's violation (a warehouse from before `ForeignKeyMode`): the merge
 * checks references before any row goes in, so it fails the run naming every missing key.
 */
const MERGE_INSTEAD = new Set(["23505", "23503", "42704", "2BP01"]);
/**
 * Memory for the two index builds of a fact's first load (a session setting of this transaction
 * only): at 1.4M rows each build sorts in memory instead of in temporary files.
 */
const INDEX_BUILD_MEMORY = "256MB";

/** True when `error` (from `pg` or mapped to a load error) says the run should merge instead. */
export function mergeInstead(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && MERGE_INSTEAD.has(code.replace(/^PG_/, ""));
}

/** Rolls back to the first load's savepoint and releases it (and any lock taken after it). */
export async function undoFirstLoad(client: pg.ClientBase, plan: TablePlan): Promise<void> {
  await run(client, `rollback to savepoint ${FIRST_LOAD_SAVEPOINT}`, [], { table: plan.table });
  await run(client, `release savepoint ${FIRST_LOAD_SAVEPOINT}`, [], { table: plan.table });
}

/** Whether the target has no row. */
export async function isEmpty(client: pg.ClientBase, plan: TablePlan): Promise<boolean> {
  const result = await run<{ empty: boolean }>(client, isEmptySql(plan), [], { table: plan.table });
  return result.rows[0]?.empty === true;
}

/**
 * Runs a first load's steps (`firstLoadSql`) around `fill`, which puts the rows into the target,
 * in a savepoint: true when they are in, false when the run must merge instead (the target has
 * rows after all, or the rows hold a key twice), with everything done here taken back.
 */
export async function inFirstLoadSavepoint(
  client: pg.ClientBase,
  plan: TablePlan,
  fill: () => Promise<void>,
  options: { rebuildDimensionKey?: boolean } = {},
): Promise<boolean> {
  const context = { table: plan.table };
  const sql = firstLoadSql(plan);
  const rebuild = options.rebuildDimensionKey === true && plan.kind === "dimension";
  const lock = rebuild ? exclusiveLockSql(plan) : sql.lock;
  await run(client, `savepoint ${FIRST_LOAD_SAVEPOINT}`, [], context);
  try {
    if (lock) {
      await run(client, lock, [], context);
      if (!(await isEmpty(client, plan))) {
        await undoFirstLoad(client, plan);
        return false;
      }
    }
    // A large dimension's key is built after its rows, like a fact's (see `dimensionKeySql`).
    const { before, after } = rebuild ? await dimensionKeyStatements(client, plan) : sql;
    for (const statement of before) await run(client, statement, [], context);
    await fill();
    if (after.length > 0) {
      await run(client, `set local maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`, [], context);
      for (const statement of after) await run(client, statement, [], context);
      await run(client, "set local maintenance_work_mem to default", [], context);
    }
    await run(client, `release savepoint ${FIRST_LOAD_SAVEPOINT}`, [], context);
    return true;
  } catch (error) {
    if (!mergeInstead(error)) throw error;
    await undoFirstLoad(client, plan);
    return false;
  }
}

/**
 * The first-load insert (`firstLoadSql`) of staged rows when the target is empty: the rows
 * inserted, or undefined when the run must merge. The emptiness is checked first without a lock,
 * so a warehouse with rows never waits for one; a fact is then locked and checked again.
 */
export async function insertIntoEmpty(client: pg.ClientBase, plan: TablePlan): Promise<number | undefined> {
  if (!(await isEmpty(client, plan))) return undefined;
  let inserted = 0;
  const done = await inFirstLoadSavepoint(client, plan, async () => {
    const result = await run(client, firstLoadSql(plan).insert, [], { table: plan.table });
    inserted = result.rowCount ?? 0;
  });
  return done ? inserted : undefined;
}
