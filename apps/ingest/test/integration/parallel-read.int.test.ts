import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runIngest } from "../../src/run-ingest";
import type { IngestDeps } from "../../src/steps/ingest-run";
import { createHarness } from "./harness";

let h: Awaited<ReturnType<typeof createHarness>>;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const OLD = "'2024-01-01 10:00:00'";

describe("runIngest reading tables on parallel connections", () => {
  it("reads every table from the one exported snapshot: a write committed between table reads is not half-seen", async () => {
    for (const [id, city] of [
      [1, "Leeds"],
      [2, "York"],
    ] as const)
      await h.admin.query(
        `insert into address (address_id, address_line_1, city, postal_code, country, phone, created_at, last_updated)
         values ($1, 'High Street', $2, 'AB1', 'UK', '0161', ${OLD}, ${OLD})`,
        [id, city],
      );
    await h.admin.query(
      `insert into currency (currency_id, currency_code, created_at, last_updated) values (1, 'GBP', ${OLD}, ${OLD})`,
    );
    const join = h.snapshotJoiner(h.url);
    let joined = 0;
    const joinSnapshot: NonNullable<IngestDeps["joinSnapshot"]> = async (id, upperBound) => {
      if (joined === 0) {
        // Committed after the run's snapshot, with timestamps under its upper bound: only the
        // snapshot, not the watermark range, keeps it out of this run.
        await h.admin.query(`update address set city = 'Changed' where address_id = 1`);
        await h.admin.query(
          `insert into currency (currency_id, currency_code, created_at, last_updated) values (2, 'USD', ${OLD}, ${OLD})`,
        );
      }
      joined += 1;
      return join(id, upperBound);
    };

    const result = await runIngest({ ...h.settings, readConnections: 3 }, h.deps({ joinSnapshot }));

    expect(joined).toBe(2);
    const manifest = await h.manifest(result.manifestKey ?? "");
    expect(manifest.tables.map((t) => [t.table, t.rows])).toEqual([
      ["address", 2],
      ["currency", 1],
    ]);
    const rows = await Promise.all(manifest.tables.map((t) => h.rows(t.files[0]?.key ?? "")));
    expect(rows[0]?.map((r) => r.city)).toEqual(["Leeds", "York"]);
    expect(rows[1]?.map((r) => r.currency_code)).toEqual(["GBP"]);
  });
});
