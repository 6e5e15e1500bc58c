import { SOURCE_TABLES, type SourceTable } from "@etl/schemas";
import { applyChanges, seedDatabase } from "@etl/synthetic";
import { describe, expect, it } from "vitest";
import { runIngest } from "../../src/run-ingest";
import { createHarness } from "./harness";

describe("runIngest on a seeded totesys", () => {
  it("extracts every row first, then exactly the rows a day of changes touched", async () => {
    const h = await createHarness();
    await h.admin.query(
      'drop table if exists address, counterparty, currency, department, design, staff, sales_order, purchase_order, payment_type, "transaction", payment, _prisma_migrations cascade',
    );
    const seeded = await seedDatabase({ databaseUrl: h.url, seed: 3, scale: 200 });

    const first = await runIngest(h.settings, h.deps());
    const firstManifest = await h.manifest(first.manifestKey ?? "");
    const changes = await applyChanges({ databaseUrl: h.url, seed: 4 });
    const second = await runIngest(h.settings, h.deps());
    const secondManifest = await h.manifest(second.manifestKey ?? "");

    const seededRows = Object.entries(seeded.tables)
      .filter(([t]) => t !== "_prisma_migrations")
      .reduce((n, [, rows]) => n + rows, 0);
    expect(first.rows).toBe(seededRows);
    expect(firstManifest.tables.map((t) => t.table)).not.toContain("_prisma_migrations");
    for (const entry of secondManifest.tables) {
      const table = entry.table as SourceTable;
      const pk = SOURCE_TABLES[table];
      const { rows } = await h.admin.query<{ id: number }>(
        `select "${pk}" as id from "${table}" where last_updated > $1::timestamp order by last_updated, "${pk}"`,
        [firstManifest.snapshot.upperBound],
      );
      const extracted = (await Promise.all(entry.files.map((f) => h.rows(f.key)))).flat();
      expect(
        extracted.map((r) => r[pk]),
        table,
      ).toEqual(rows.map((r) => r.id));
    }
    const touched = { ...changes.inserted };
    for (const [table, n] of Object.entries(changes.updated)) {
      touched[table as SourceTable] = (touched[table as SourceTable] ?? 0) + (n ?? 0);
    }
    expect(Object.fromEntries(secondManifest.tables.map((t) => [t.table, t.rows]))).toEqual(touched);
    await h.close();
  });
});
