import { DataError, TransientError } from "@etl/schemas";
import { WatermarkConflictError } from "../errors";
import type { StateStore, StoredRecord } from "../ports";

export interface MemoryStateStore extends StateStore {
  /** Every watermark and its value. */
  readonly watermarks: Record<string, string>;
  /** The run that last advanced the watermarks. */
  readonly lastRunId: string | undefined;
  /** The next `advanceWatermarks` call fails with `error` (a TransientError by default). */
  failNextAdvance(error?: Error): void;
}

const clone = <T>(value: T): T => structuredClone(value);

/** An in-memory `StateStore` with the DynamoDB adapter's semantics (compare-and-set watermarks, ifAbsent, ...). */
export function createMemoryStateStore(options: { clock?: () => Date } = {}): MemoryStateStore {
  const clock = options.clock ?? (() => new Date());
  const sequences = new Map<string, number>();
  const watermarks = new Map<string, string>();
  const records = new Map<string, Map<string, StoredRecord>>();
  let lastRunId: string | undefined;
  let advanceError: Error | undefined;

  const namespaceOf = (namespace: string) => {
    let map = records.get(namespace);
    if (!map) {
      map = new Map();
      records.set(namespace, map);
    }
    return map;
  };

  return {
    get watermarks() {
      return Object.fromEntries(watermarks);
    },
    get lastRunId() {
      return lastRunId;
    },
    failNextAdvance(error) {
      advanceError = error ?? new TransientError("injected watermark failure");
    },

    async nextSequence(name) {
      const value = (sequences.get(name) ?? 0) + 1;
      sequences.set(name, value);
      return value;
    },

    async getWatermarks(names) {
      return Object.fromEntries(names.map((name) => [name, watermarks.get(name) ?? null]));
    },

    async advanceWatermarks(updates, runId) {
      if (advanceError) {
        const error = advanceError;
        advanceError = undefined;
        throw error;
      }
      if (updates.length === 0) return;
      if (new Set(updates.map((u) => u.name)).size !== updates.length)
        throw new DataError(`run ${runId}: a watermark is listed twice`);
      const conflicts = updates
        .filter((u) => (watermarks.get(u.name) ?? null) !== u.from)
        .map((u) => ({ name: u.name, expected: u.from, actual: watermarks.get(u.name) ?? null }));
      if (conflicts.length > 0) throw new WatermarkConflictError(runId, conflicts);
      for (const update of updates) watermarks.set(update.name, update.to);
      lastRunId = runId;
    },

    async putRecord(namespace, id, data, putOptions = {}) {
      const map = namespaceOf(namespace);
      if (putOptions.ifAbsent && map.has(id)) return false;
      if (putOptions.ifData) {
        const current = map.get(id)?.data;
        if (!current) return false;
        for (const [field, value] of Object.entries(putOptions.ifData))
          if ((current[field] ?? null) !== value) return false;
      }
      const now = clock();
      const record: StoredRecord = { namespace, id, data: clone(data), updatedAt: now.toISOString() };
      if (putOptions.ttlSeconds !== undefined)
        record.expiresAt = Math.floor(now.getTime() / 1000) + Math.round(putOptions.ttlSeconds);
      map.set(id, record);
      return true;
    },

    async getRecord(namespace, id) {
      const record = records.get(namespace)?.get(id);
      return record ? clone(record) : undefined;
    },

    async deleteRecord(namespace, id) {
      return records.get(namespace)?.delete(id) ?? false;
    },

    async listRecords(namespace, prefix = "") {
      const map = records.get(namespace) ?? new Map<string, StoredRecord>();
      return [...map.values()]
        .filter((r) => r.id.startsWith(prefix))
        .sort((a, b) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id)))
        .map(clone);
    },
  };
}
