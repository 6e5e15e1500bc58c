import { randomUUID } from "node:crypto";
import { TransientError } from "@etl/schemas";
import type { AuditLog } from "../ports";
import {
  type AuditRecord,
  DEFAULT_AUDIT_TTL_DAYS,
  type FailureRecord,
  toAuditRecord,
  toFailureRecord,
} from "../records";

export interface MemoryAuditLog extends AuditLog {
  /** Audit items as stored, one per key and attempt (a later record replaces an earlier one). */
  readonly items: AuditRecord[];
  /** Failure items as stored, redacted, in write order. */
  readonly failures: FailureRecord[];
  /** The next `record` call fails with `error` (a TransientError by default) and stores nothing. */
  failNextRecord(error?: Error): void;
  /** The next `recordFailure` call fails. */
  failNextFailure(error?: Error): void;
}

/** An in-memory `AuditLog` with the DynamoDB adapter's keys, redaction and replacement rules. */
export function createMemoryAuditLog(options: { clock?: () => Date } = {}): MemoryAuditLog {
  const clock = options.clock ?? (() => new Date());
  const items = new Map<string, AuditRecord>();
  const failures: FailureRecord[] = [];
  let recordError: Error | undefined;
  let failureError: Error | undefined;
  return {
    get items() {
      return [...items.values()];
    },
    get failures() {
      return [...failures];
    },
    failNextRecord(error) {
      recordError = error ?? new TransientError("injected audit failure");
    },
    failNextFailure(error) {
      failureError = error ?? new TransientError("injected failure-record failure");
    },
    async record(newItems) {
      if (recordError) {
        const error = recordError;
        recordError = undefined;
        throw error;
      }
      const now = clock();
      for (const item of newItems) {
        const record = toAuditRecord(item, { now, ttlDays: DEFAULT_AUDIT_TTL_DAYS });
        items.set(`${record.pk}\u0000${record.sk}`, record);
      }
    },
    async recordFailure(failure) {
      if (failureError) {
        const error = failureError;
        failureError = undefined;
        throw error;
      }
      failures.push(toFailureRecord(failure, { now: clock(), suffix: randomUUID().slice(0, 8) }));
    },
  };
}
