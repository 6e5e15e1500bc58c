import type { StateStore } from "@etl/ops";
import { STAR_TABLE_NAMES } from "@etl/schemas";
import { z } from "zod";
import type { LoadPlan, TableLoad } from "./plan-load";
import type { FileOutcome, HandedOffStatement, WarehouseOutcome } from "./warehouse";

/** The state-table namespace of statements handed off to the completion handler. */
export const HANDOFF_NAMESPACE = "redshift-statement";

/** The state-table namespace of runs to continue after a handed-off statement settled. */
export const CONTINUE_NAMESPACE = "redshift-run";

/** Hand-off records outlive any statement: the Data API keeps statements for 24 hours. */
const HANDOFF_TTL_SECONDS = 7 * 24 * 3600;

const HandedOffSchema = z.object({
  statementId: z.string().min(1),
  runId: z.string().min(1),
  table: z.enum(STAR_TABLE_NAMES),
  bucket: z.string(),
  files: z.array(
    z.object({ key: z.string(), rows: z.number(), bytes: z.number(), etag: z.string().optional() }),
  ),
  submittedAt: z.string(),
  attempt: z.string(),
  alertedAt: z.string().optional(),
});

/**
 * The state-table records of the Redshift run load: statements handed off (still running when
 * an invocation's time ran out) and runs to continue once such a statement settled.
 */
export interface Handoffs {
  pending(): Promise<HandedOffStatement[]>;
  pendingRuns(): Promise<{ runId: string; since: string }[]>;
  get(statementId: string): Promise<HandedOffStatement | undefined>;
  record(plan: LoadPlan, table: TableLoad, statementId: string, attempt: string): Promise<void>;
  /** Records that the run must go on after `statementId`. */
  continueRun(runId: string, statementId: string): Promise<void>;
  /** Deletes the hand-off record; true for exactly one caller. */
  claim(statementId: string): Promise<boolean>;
  finishRun(runId: string): Promise<void>;
  markAlerted(statementId: string, at: Date): Promise<void>;
}

export function createHandoffs(state: StateStore, clock: () => Date): Handoffs {
  const parse = (data: unknown) => {
    const parsed = HandedOffSchema.safeParse(data);
    return parsed.success ? parsed.data : undefined;
  };
  return {
    async pending() {
      const records = await state.listRecords(HANDOFF_NAMESPACE);
      return records.flatMap((r) => parse(r.data) ?? []);
    },
    async pendingRuns() {
      const records = await state.listRecords(CONTINUE_NAMESPACE);
      return records.map((r) => ({ runId: r.id, since: r.updatedAt }));
    },
    async get(statementId) {
      const stored = await state.getRecord(HANDOFF_NAMESPACE, statementId);
      return stored ? parse(stored.data) : undefined;
    },
    async record(plan, table, statementId, attempt) {
      const record: HandedOffStatement = {
        statementId,
        runId: plan.runId,
        table: table.table,
        bucket: plan.bucket,
        files: table.files.map((f) => ({
          key: f.key,
          rows: f.rows,
          bytes: f.bytes,
          ...(f.etag ? { etag: f.etag } : {}),
        })),
        submittedAt: clock().toISOString(),
        attempt,
      };
      await state.putRecord(
        HANDOFF_NAMESPACE,
        statementId,
        { ...record },
        { ttlSeconds: HANDOFF_TTL_SECONDS },
      );
    },
    async continueRun(runId, statementId) {
      await state.putRecord(CONTINUE_NAMESPACE, runId, { runId, after: statementId });
    },
    claim: (statementId) => state.deleteRecord(HANDOFF_NAMESPACE, statementId),
    async finishRun(runId) {
      await state.deleteRecord(CONTINUE_NAMESPACE, runId);
    },
    async markAlerted(statementId, at) {
      const stored = await state.getRecord(HANDOFF_NAMESPACE, statementId);
      if (!stored) return;
      await state.putRecord(
        HANDOFF_NAMESPACE,
        statementId,
        { ...stored.data, alertedAt: at.toISOString() },
        { ttlSeconds: HANDOFF_TTL_SECONDS },
      );
    },
  };
}

/** This run's statement is still running: nothing is submitted twice. */
export function stillRunningOutcome(own: HandedOffStatement): WarehouseOutcome {
  const files = own.files.map(
    ({ key }): FileOutcome => ({
      table: own.table,
      key,
      status: "HANDED_OFF",
      rows: 0,
      durationMs: 0,
      statementId: own.statementId,
    }),
  );
  return { status: "handed-off", files, rows: 0, statementId: own.statementId, table: own.table };
}
