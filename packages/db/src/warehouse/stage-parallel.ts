import type { StarTable } from "@etl/schemas";
import type pg from "pg";
import type { ReadEncoded } from "./copy-parquet";
import { type CopiedTable, type FileLoadResult, type StagedFile, stageTable } from "./load-table";
import { dropStagingSql, type TablePlan } from "./statements";

/** One table of a run to stage: its plan (with a shared staging table) and its pending files. */
export interface StagingWork {
  plan: TablePlan;
  files: readonly StagedFile[];
  /** Rows the manifest promises: the biggest tables start first. */
  rows: number;
}

/**
 * The shared staging table of `table` for run `runId`, in the control schema: one name per run
 * and table, so a retry of the run replaces what a crashed attempt left.
 */
export function sharedStaging(controlSchema: string, table: StarTable, runId: string) {
  return { schema: controlSchema, name: `stg_${table}_${runId.toLowerCase().replace(/[^0-9a-z]/g, "")}` };
}

/**
 * Stages the run's tables on `lanes` connections at once: the run's own (inside its
 * transaction) and `lanes - 1` more from `connect`, each taking the next table, biggest first,
 * or only the `lanes - 1` others when `main` is undefined (busy with a first load, see
 * `copyIntoEmpty`);
 * as it finishes one. Tables are independent until their merge, which the run's transaction does
 * afterwards, in load order. After a failure no new table starts; it is rethrown once every
 * connection is done. The extra connections are ended here.
 */
export async function stageInParallel(
  main: pg.ClientBase | undefined,
  connect: () => Promise<pg.Client>,
  lanes: number,
  work: readonly StagingWork[],
  read: ReadEncoded,
  onFileLoaded: ((result: FileLoadResult) => void | Promise<void>) | undefined,
): Promise<Map<StarTable, CopiedTable>> {
  const queue = [...work].sort((a, b) => b.rows - a.rows);
  const extra: pg.Client[] = [];
  const results = new Map<StarTable, CopiedTable>();
  let failure: { error: unknown } | undefined;
  try {
    const others = main ? Math.min(lanes, work.length) - 1 : Math.min(lanes - 1, work.length);
    for (let i = 0; i < others; i++) {
      const client = await connect();
      // A connection dropped while idle must fail the load, not crash the process.
      client.on("error", () => undefined);
      extra.push(client);
    }
    await Promise.all(
      [...(main ? [main] : []), ...extra].map(async (client) => {
        for (let next = queue.shift(); next && !failure; next = queue.shift()) {
          try {
            results.set(next.plan.table, await stageTable(client, next.plan, next.files, read, onFileLoaded));
          } catch (error) {
            failure ??= { error };
          }
        }
      }),
    );
    if (failure) throw failure.error;
    return results;
  } finally {
    for (const client of extra) await client.end().catch(() => undefined);
  }
}

/** Drops the shared staging tables of a failed run (best effort: a retry replaces them anyway). */
export async function dropSharedStaging(client: pg.ClientBase, plans: readonly TablePlan[]): Promise<void> {
  for (const plan of plans) await client.query(dropStagingSql(plan)).catch(() => undefined);
}
