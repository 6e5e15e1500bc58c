import { applyChanges } from "@etl/synthetic";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runFirstLoads } from "../../src/cli/commands/first-loads";
import { Scenario, type Suite, startSuite, stopSuite } from "./harness";

/**
 * A first load larger than one run's budget: the ingest reads the first snapshots in key ranges
 * over several invocations, each a complete run the transform and load take in turn, and the
 * warehouse ends equal to the star schema computed in SQL from the OLTP database.
 */

let suite: Suite;
const open: Scenario[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  suite = await startSuite();
}, 120_000);

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const name of ["RUN_BUDGET_SECONDS", "RUN_ROWS_PER_SECOND"]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

afterAll(async () => {
  await stopSuite(suite);
});

/** A scenario whose ingest may read `rows` source rows of first snapshots per run. */
async function budgeted(name: string, rows: number): Promise<Scenario> {
  // The handler modules read their environment when the scenario imports them.
  process.env.RUN_BUDGET_SECONDS = "1";
  process.env.RUN_ROWS_PER_SECOND = String(rows);
  const s = await Scenario.open(suite, name);
  open.push(s);
  return s;
}

async function sourceRows(s: Scenario): Promise<number> {
  const { rows } = await s.oltp.query<{ n: number }>(
    `select (select count(*) from address) + (select count(*) from counterparty) + (select count(*) from currency)
          + (select count(*) from department) + (select count(*) from design) + (select count(*) from staff)
          + (select count(*) from sales_order) + (select count(*) from purchase_order)
          + (select count(*) from payment_type) + (select count(*) from "transaction")
          + (select count(*) from payment) as n`,
  );
  return Number(rows[0]?.n ?? 0);
}

describe("a first load larger than one run's budget", () => {
  it("completes over several invocations and the warehouse equals the reference", async () => {
    const s = await budgeted("first load in key ranges", 250);
    const total = await sourceRows(s);
    const lines: string[] = [];
    const { report, cycles } = await runFirstLoads(
      () => s.cycle(),
      (l) => lines.push(l),
    );
    expect(report.problems).toEqual([]);
    expect(report.firstLoadsPending).toEqual([]);
    // 250 rows a run: at least one run per 250 rows, since no run reads more.
    expect(cycles).toBeGreaterThanOrEqual(Math.ceil(total / 250));
    expect(lines.filter((l) => l.startsWith("first load continues")).length).toBe(cycles - 1);
    expect({
      differences: await s.differences(),
      unreadBelowWatermarks: await s.unreadBelowWatermarks(),
      queues: s.queueDepth(),
    }).toEqual({ differences: [], unreadBelowWatermarks: [], queues: { pending: 0, inflight: 0, dead: 0 } });
    // Nothing is left to continue: the next run reads only what changed.
    const next = await s.cycle();
    expect(next.firstLoadsPending).toEqual([]);
    expect(next.rows).toBe(0);
  }, 300_000);

  it("reads again every row changed while it runs: each row ends at least as new as the source's", async () => {
    const s = await budgeted("changes during a first load in key ranges", 250);
    const lines: string[] = [];
    // Two invocations: the reference tables and the first ranges are read, the rest is not.
    const started = await runFirstLoads(
      () => s.cycle(),
      (l) => lines.push(l),
      { maxCycles: 2 },
    );
    expect(started.report.firstLoadsPending).not.toEqual([]);
    // Inserts and updates across every table: in ranges already read, and in ranges still to read.
    await applyChanges({ databaseUrl: s.env.DATABASE_URL ?? "", seed: 11 });
    const { report } = await runFirstLoads(
      () => s.cycle(),
      (l) => lines.push(l),
    );
    expect(report.problems).toEqual([]);
    // The first run after the first loads reads what changed since they started.
    await s.cycle();
    const differences = await s.differences();
    // Dimensions hold each row's newest version; every fact's current version is there (the
    // versions a first load skipped, changed before their range was read, are not).
    expect(differences.filter((d) => d.table.startsWith("dim_"))).toEqual([]);
    expect(differences.filter((d) => d.missing.length > 0)).toEqual([]);
    expect(await s.unreadBelowWatermarks()).toEqual([]);
    expect(s.queueDepth()).toEqual({ pending: 0, inflight: 0, dead: 0 });
  }, 300_000);
});
