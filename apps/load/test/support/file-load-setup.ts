import { type FileRuleInput, FileRuleSchema, matchRule, type StoredRule } from "@etl/db/rules";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import type { FileLoadDeps } from "../../src/files/run-file-load";
import type { FileLoadRequest, FileWarehouse } from "../../src/files/steps/file-warehouse";
import { createMemoryStatusEvents } from "../../src/files/steps/status-events";

/** The in-memory world of the file loader's unit tests: one rule, a fake warehouse, memory ports. */
export const BUCKET = "landing-bucket";
export const NOW = new Date("2026-11-23T10:00:00.000Z");
export const KEY = "landing/sales/day-1.csv";

export const rule = (overrides: Partial<FileRuleInput> = {}): StoredRule => {
  const parsed = FileRuleSchema.parse({
    name: "sales",
    keyGlob: "landing/sales/*.csv",
    format: "csv",
    headerLines: 1,
    trailer: { start: 3, end: 8 },
    target: { schema: "s", table: "orders" },
    columns: [{ name: "id" }, { name: "amount" }],
    notify: "both",
    ...overrides,
  });
  return {
    name: parsed.name,
    keyGlob: parsed.keyGlob,
    priority: 1,
    active: true,
    updatedAt: NOW,
    rule: parsed,
  };
};

export function fakeWarehouse(
  load: (request: FileLoadRequest) => Promise<{ status: "loaded"; rows: number }>,
) {
  const requests: FileLoadRequest[] = [];
  const warehouse: FileWarehouse = {
    target: "postgres",
    columns: async () => [
      { name: "id", dataType: "integer" },
      { name: "amount", dataType: "numeric" },
    ],
    problems: () => [],
    async load(request) {
      requests.push(request);
      return load(request);
    },
  };
  return { warehouse, requests };
}

export function setup(
  load = async (r: FileLoadRequest) => ({ status: "loaded" as const, rows: r.spec.ledger.rows }),
) {
  const store = createMemoryObjectStore();
  const state = createMemoryStateStore({ clock: () => NOW });
  const audit = createMemoryAuditLog({ clock: () => NOW });
  const alerter = createMemoryAlerter({ clock: () => NOW });
  const events = createMemoryStatusEvents();
  const { warehouse, requests } = fakeWarehouse(load);
  const rules = [rule()];
  let ticks = 0;
  const deps: FileLoadDeps = {
    store,
    bucket: BUCKET,
    rules: { match: async (key) => matchRule(rules, key) },
    warehouse,
    state,
    audit,
    alerter,
    events,
    // Each call a millisecond later: two attempts have two attempt times, as in real life.
    clock: () => new Date(NOW.getTime() + ticks++),
    followUps: [],
    ledgerSchema: "etl",
  };
  const land = async (body: string, key = KEY) => {
    const info = await store.put(BUCKET, key, body);
    return { bucket: BUCKET, key, etag: info.etag ?? "", size: info.size, sequencer: "01" };
  };
  return { deps, store, state, audit, alerter, events, requests, land };
}

export const GOOD = "id,amount\n1,2.50\n2,3.00\nT 000002\n";
