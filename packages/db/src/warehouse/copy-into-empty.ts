import type pg from "pg";
import type { ReadEncoded } from "./copy-parquet";
import { REBUILD_DIMENSION_KEY_ROWS } from "./dimension-key";
import { inFirstLoadSavepoint } from "./first-load-savepoint";
import {
  type CopiedTable,
  checkReferences,
  copyFiles,
  type FileLoadResult,
  type StagedFile,
  type TableLoadResult,
} from "./load-table";
import { type TablePlan, targetTable } from "./statements";

/**
 * The first load of a table the run found empty, without staging: its files COPYed straight into
 * the target in the run's transaction (a fact's keys dropped before and rebuilt after, see
 * `firstLoadSql`; a dimension of `REBUILD_DIMENSION_KEY_ROWS` or more its primary key, see
 * `dimensionKeySql`), a fact's references checked over the new rows, which are all the table holds,
 * before its keys are rebuilt. The result, or undefined when the run must stage and merge the
 * table instead (a key twice in its files, or rows after all): then nothing of this attempt is
 * left, but `onFileLoaded` was called for the files copied.
 *
 * A COPY into the target writes each row once, where staging writes it, reads it back and writes
 * it again; and it runs on the run's connection, so tables are not copied in parallel.
 */
export async function copyIntoEmpty(
  client: pg.ClientBase,
  plan: TablePlan,
  files: readonly StagedFile[],
  read: ReadEncoded,
  onFileLoaded: ((result: FileLoadResult) => void | Promise<void>) | undefined,
): Promise<{ table: TableLoadResult; files: FileLoadResult[] } | undefined> {
  const started = performance.now();
  const target = targetTable(plan);
  let copied: CopiedTable | undefined;
  const rows = files.reduce((n, f) => n + (f.file.rows ?? 0), 0);
  const done = await inFirstLoadSavepoint(
    client,
    plan,
    async () => {
      copied = await copyFiles(client, plan, files, read, onFileLoaded, target);
      if (plan.kind === "fact") await checkReferences(client, plan, target, copied.keys);
    },
    { rebuildDimensionKey: rows >= REBUILD_DIMENSION_KEY_ROWS },
  );
  if (!done || !copied) return undefined;
  return {
    table: {
      ...copied.table,
      inserted: copied.table.rows,
      updated: 0,
      path: "first-load",
      durationMs: Math.round(performance.now() - started),
    },
    files: copied.files,
  };
}
