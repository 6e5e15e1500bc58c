import { loadRunIntoPostgres, migratePostgresWarehouse } from "@etl/db/warehouse";
import type { StageProgress } from "@etl/ops";
import type pg from "pg";
import type { LoadPlan } from "./plan-load";
import type { LoadContext, RunWarehouse, WarehouseOutcome } from "./warehouse";

export interface PostgresWarehouseOptions {
  /** A new connected client; the warehouse ends it after each use. */
  connect(): Promise<pg.Client>;
  schema: string;
  controlSchema?: string;
  /** The warehouse's name in the ledger. */
  target?: string;
  clock: () => Date;
  /** Connections a run's tables are staged on at once; 1 stages on the run's own connection. */
  stagingConnections?: number;
}

/**
 * The PostgreSQL warehouse: a whole run in one transaction (`loadRunIntoPostgres`), files read
 * one ahead of the COPY through the use case's verified reader, tables staged on
 * `stagingConnections` connections at once.
 */
export function createPostgresWarehouse(options: PostgresWarehouseOptions): RunWarehouse {
  let prepared: Promise<void> | undefined;
  const withClient = async <T>(use: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = await options.connect();
    // A connection dropped while idle must fail the load, not crash the process.
    client.on("error", () => undefined);
    try {
      return await use(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  return {
    target: "postgres",
    prepare() {
      prepared ??= withClient((client) =>
        migratePostgresWarehouse(client, options.schema, options.controlSchema),
      ).catch((error: unknown) => {
        prepared = undefined;
        throw error;
      });
      return prepared;
    },
    async load(plan: LoadPlan, context: LoadContext): Promise<WarehouseOutcome> {
      const result = await withClient((client) =>
        loadRunIntoPostgres(client, {
          runId: plan.runId,
          ...(plan.previousRunId !== undefined ? { previousRunId: plan.previousRunId } : {}),
          ...(plan.deletions ? { deletions: plan.deletions } : {}),
          target: options.target ?? "postgres",
          schema: options.schema,
          ...(options.controlSchema ? { controlSchema: options.controlSchema } : {}),
          now: options.clock,
          ...((options.stagingConnections ?? 1) > 1
            ? { connect: options.connect, stagingConnections: options.stagingConnections }
            : {}),
          tables: plan.tables.map(({ table, files }) => ({
            table,
            files: files.map((file) => ({
              key: file.key,
              sha256: file.sha256,
              rows: file.rows,
              read: () => context.read(file),
            })),
          })),
          ...(context.progress ? progressHooks(context.progress) : {}),
        }),
      );
      return {
        status: result.status,
        rows: result.rows,
        ...(result.status === "loaded" ? { inserted: result.inserted, updated: result.updated } : {}),
        files: result.files.map((f) => ({
          table: f.table,
          key: f.key,
          status: f.status === "loaded" ? "FINISHED" : "SKIPPED",
          rows: f.rows,
          durationMs: f.durationMs,
        })),
      };
    },
  };
}

/**
 * The load's hooks that tell a progress port: rows a file at a time, "merging" once a table's
 * last file is staged (the merge can take longer than the copy), the table's end after it.
 * Tables are staged on parallel connections, so each table keeps its own count.
 */
function progressHooks(progress: StageProgress) {
  const tables = new Map<string, { rows: number; expected: number }>();
  return {
    onTableStarted(table: string, expectedRows: number) {
      tables.set(table, { rows: 0, expected: expectedRows });
      progress.tableStarted(table, expectedRows);
    },
    onFileLoaded(file: { table: string; rows: number }) {
      const state = tables.get(file.table) ?? { rows: 0, expected: Number.POSITIVE_INFINITY };
      state.rows += file.rows;
      tables.set(file.table, state);
      if (state.rows >= state.expected) progress.rows(file.table, state.rows, "merging");
      else progress.rows(file.table, state.rows);
    },
    onTableLoaded(table: { table: string; rows: number; durationMs: number }) {
      progress.tableFinished(table.table, table.rows, table.durationMs);
    },
  };
}
