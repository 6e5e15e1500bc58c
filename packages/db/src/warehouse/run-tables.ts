import type { StarTable } from "@etl/schemas";
import type pg from "pg";
import { copyIntoEmpty } from "./copy-into-empty";
import { type EncodedParquet, encodeParquet, type ReadEncoded } from "./copy-parquet";
import { type CopiedTable, type FileLoadResult, loadTable, mergeStaged } from "./load-table";
import type { StagingWork } from "./stage-parallel";
import type { TablePlan } from "./statements";

// How a run's tables go in, one by one on the run's connection, and the files read ahead.

/** One Parquet file of a run: what the manifest says about it, and how to get its bytes. */
export interface ParquetFileSource {
  key: string;
  sha256: string;
  /** Rows the manifest promises; a file that holds a different number is refused. */
  rows: number;
  /** Fetches (and may verify) the bytes; called once, one file ahead of the COPY. */
  read(): Promise<Uint8Array>;
}

export type StagedTable = CopiedTable;

/**
 * One table of the run, in load order: COPYed straight into its empty target (`direct`), falling
 * back to staging and merging it on this connection when that cannot be (a key twice in its
 * files); or merged from what `staged` staged on other connections; or staged here and merged.
 */
export async function loadOneTable(
  client: pg.ClientBase,
  work: StagingWork,
  options: {
    direct: boolean;
    staged: Promise<Map<StarTable, StagedTable>> | undefined;
    read: ReadEncoded;
    onFileLoaded: ((result: FileLoadResult) => void | Promise<void>) | undefined;
  },
): Promise<StagedTable> {
  const { plan, files } = work;
  if (options.direct) {
    const copied = await copyIntoEmpty(client, plan, files, options.read, options.onFileLoaded);
    if (copied) return copied;
    // The files were reported once already, as they were copied; staged in a temporary table.
    const { staging: _, ...local } = plan;
    return loadTable(client, local, files, options.read, undefined, { firstLoadInsert: false });
  }
  if (options.staged) {
    const result = (await options.staged).get(plan.table);
    if (!result) throw new Error(`${plan.table} was not staged`);
    const began = performance.now();
    // Not empty when the run began (or the first-load insert is off): merged.
    const merged = await mergeStaged(client, plan, { firstLoadInsert: false, keys: result.keys });
    const table = {
      ...result.table,
      ...merged,
      durationMs: result.table.durationMs + Math.round(performance.now() - began),
    };
    return { table, files: result.files };
  }
  return loadTable(client, plan, files, options.read, options.onFileLoaded, { firstLoadInsert: false });
}

/**
 * The next file is fetched and decoded while the current one is copied: `read(i)` gives file i
 * encoded for COPY (see `encodeParquet`) and starts on file i + 1.
 */
export function prefetching(files: readonly { file: ParquetFileSource; plan: TablePlan }[]): ReadEncoded {
  const pending = new Map<number, Promise<EncodedParquet>>();
  const start = (i: number) => {
    const next = files[i];
    if (!next || pending.has(i)) return;
    const promise = next.file.read().then((bytes) => encodeParquet(next.plan, bytes, next.file.key));
    // A prefetch that fails is reported when its turn comes, not as an unhandled rejection.
    promise.catch(() => undefined);
    pending.set(i, promise);
  };
  return async (i: number): Promise<EncodedParquet> => {
    start(i);
    const encoded = pending.get(i);
    pending.delete(i);
    if (!encoded) throw new Error(`no file at position ${i}`);
    start(i + 1);
    return encoded;
  };
}
