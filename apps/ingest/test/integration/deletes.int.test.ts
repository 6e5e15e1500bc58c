import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KEY_SET_NAMESPACE, runIngest } from "../../src/run-ingest";
import { createHarness } from "./harness";

let h: Awaited<ReturnType<typeof createHarness>>;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

async function addCurrencies(ids: number[]): Promise<void> {
  for (const id of ids) {
    await h.admin.query(
      "insert into currency (currency_id, currency_code, created_at, last_updated) values ($1, 'GBP', localtimestamp, localtimestamp)",
      [id],
    );
  }
}

describe("runIngest finds rows deleted at the source", () => {
  it("declares the keys deleted between two runs, whatever their last_updated, and nothing twice", async () => {
    await addCurrencies([1, 2, 3]);
    const first = await runIngest(h.settings, h.deps());
    await h.admin.query("delete from currency where currency_id in (1, 3)");

    const second = await runIngest(h.settings, h.deps());
    const third = await runIngest(h.settings, h.deps());

    const manifest = await h.manifest(second.manifestKey ?? "");
    expect(manifest.tables).toEqual([]);
    expect(manifest.deletions).toEqual([
      expect.objectContaining({
        table: "currency",
        previousRunId: first.runId,
        detectedAt: manifest.snapshot.databaseTime,
      }),
    ]);
    expect(await h.rows(manifest.deletions?.[0]?.file.key ?? "")).toEqual([
      { currency_id: 1 },
      { currency_id: 3 },
    ]);
    expect(second.deleted).toBe(2);
    expect(third.manifestKey).toBeUndefined();
    expect((await h.state.getRecord(KEY_SET_NAMESPACE, "currency"))?.data).toMatchObject({
      runId: second.runId,
      rows: 1,
    });
  });
});
