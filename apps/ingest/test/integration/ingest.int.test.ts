import { setTimeout as sleep } from "node:timers/promises";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { TransientError } from "@etl/schemas";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runIngest } from "../../src/run-ingest";
import { APP, createHarness, interceptPuts } from "./harness";

let h: Awaited<ReturnType<typeof createHarness>>;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

async function addAddress(db: pg.ClientBase, id: number, city: string, at = "localtimestamp"): Promise<void> {
  await db.query(
    `insert into address (address_id, address_line_1, address_line_2, district, city, postal_code, country, phone, created_at, last_updated)
     values ($1, $2, null, null, $3, 'AB1 2CD', 'UK', '0161 000', ${at}, ${at})`,
    [id, `${id} High Street`, city],
  );
}

async function addCurrency(db: pg.ClientBase, id: number, code: string): Promise<void> {
  await db.query(
    "insert into currency (currency_id, currency_code, created_at, last_updated) values ($1, $2, localtimestamp, localtimestamp)",
    [id, code],
  );
}

async function auditItems(): Promise<Record<string, unknown>[]> {
  const { Items } = await h.dynamo.send(new ScanCommand({ TableName: h.tables.audit }));
  return (Items ?? []).map((i) =>
    Object.fromEntries(Object.entries(i).map(([k, v]) => [k, Object.values(v)[0]])),
  );
}

describe("runIngest on the local services", () => {
  it("extracts everything on the first run, then nothing when nothing changed", async () => {
    await addAddress(h.admin, 1, "Leeds");
    await addAddress(h.admin, 2, "Manchester");
    await addCurrency(h.admin, 1, "GBP");

    const first = await runIngest(h.settings, h.deps());
    const keysAfterFirst = await h.keys();
    const second = await runIngest(h.settings, h.deps());
    const keysAfterSecond = await h.keys();

    expect(first.rows).toBe(3);
    expect(first.manifestKey).toBe(`runs/${first.runId}.json`);
    const manifest = await h.manifest(first.manifestKey ?? "");
    expect(manifest.tables.map((t) => [t.table, t.rows])).toEqual([
      ["address", 2],
      ["currency", 1],
    ]);
    expect(manifest.tables[0]?.watermark.from).toBeNull();
    expect(await h.rows(manifest.tables[0]?.files[0]?.key ?? "")).toEqual([
      expect.objectContaining({ address_id: 1, city: "Leeds", address_line_2: null }),
      expect.objectContaining({ address_id: 2, city: "Manchester" }),
    ]);
    // Two data parts and the manifest; the key sets of hard-delete detection beside them.
    expect(keysAfterFirst.filter((k) => !k.startsWith("keys/"))).toHaveLength(3);
    expect(second.rows).toBe(0);
    expect(second.manifestKey).toBeUndefined();
    expect(second.sequence).toBe(first.sequence + 1);
    expect(keysAfterSecond).toEqual(keysAfterFirst);
    const audited = await auditItems();
    expect(audited.filter((i) => i.key === "-" && i.status === "FINISHED")).toHaveLength(1);
    expect(audited.filter((i) => String(i.key).startsWith("raw/"))).toHaveLength(2);
  });

  it("extracts exactly the rows changed since the last run", async () => {
    await addAddress(h.admin, 1, "Leeds");
    await addAddress(h.admin, 2, "Manchester");
    await runIngest(h.settings, h.deps());
    await sleep(5);

    await h.admin.query(
      "update address set city = 'Leds', last_updated = localtimestamp where address_id = 2",
    );
    const run = await runIngest(h.settings, h.deps());
    const manifest = await h.manifest(run.manifestKey ?? "");

    expect(manifest.tables.map((t) => t.table)).toEqual(["address"]);
    expect(manifest.tables[0]?.watermark.from).not.toBeNull();
    expect(await h.rows(manifest.tables[0]?.files[0]?.key ?? "")).toEqual([
      expect.objectContaining({ address_id: 2, city: "Leds" }),
    ]);
  });

  it("does not lose the rows of a writer that holds its transaction open across a run", async () => {
    const writer = new pg.Client({ connectionString: h.url });
    await writer.connect();
    await addAddress(h.admin, 1, "Leeds", "localtimestamp - interval '10 seconds'");
    const settings = { ...h.settings, safetyLagSeconds: 2 };

    await writer.query("begin");
    await addAddress(writer, 2, "Late", "now()::timestamp");
    const during = await runIngest(settings, h.deps());
    await writer.query("commit");
    await writer.end();
    await sleep(2200);
    const after = await runIngest(settings, h.deps());

    const duringRows = await h.rows(
      (await h.manifest(during.manifestKey ?? "")).tables[0]?.files[0]?.key ?? "",
    );
    const afterRows = await h.rows(
      (await h.manifest(after.manifestKey ?? "")).tables[0]?.files[0]?.key ?? "",
    );
    expect(duringRows.map((r) => r.address_id)).toEqual([1]);
    expect(afterRows.map((r) => r.address_id)).toEqual([2]);
  });

  it("leaves watermarks untouched and writes no manifest when the database goes away mid-run", async () => {
    await addAddress(h.admin, 1, "Leeds");
    await addCurrency(h.admin, 1, "GBP");
    let killed = false;
    const store = interceptPuts(h.store, async (key) => {
      if (killed || !key.startsWith("raw/address/")) return;
      killed = true;
      await h.admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
        [APP],
      );
    });

    const run = runIngest(h.settings, h.deps({ store }));

    await expect(run).rejects.toThrow();
    expect(killed).toBe(true);
    expect(await h.keys("runs/")).toEqual([]);
    expect(await h.state.getWatermarks(["watermark#address", "watermark#currency"])).toEqual({
      "watermark#address": null,
      "watermark#currency": null,
    });
    expect(h.alerter.sent).toHaveLength(1);
    expect(h.alerter.sent[0]?.message).toMatchObject({ runId: expect.any(String) });
    expect((await auditItems()).filter((i) => i.status === "FAILED")).toHaveLength(1);
  });

  it("leaves watermarks untouched and writes no manifest when an S3 write fails", async () => {
    await addAddress(h.admin, 1, "Leeds");
    const store = interceptPuts(h.store, async (key) => {
      if (key.startsWith("runs/")) throw new TransientError("S3 unavailable");
    });

    const run = runIngest(h.settings, h.deps({ store }));

    await expect(run).rejects.toThrow("S3 unavailable");
    expect(await h.keys("runs/")).toEqual([]);
    expect(await h.state.getWatermarks(["watermark#address"])).toEqual({ "watermark#address": null });
    expect(h.alerter.sent[0]?.subject).toContain("ingest");
  });

  it("finishes a run that lost the watermark race to an overlapping run, without an alert", async () => {
    await addAddress(h.admin, 1, "Leeds");
    const deps = h.deps();
    let winner: Awaited<ReturnType<typeof runIngest>> | undefined;
    const state = {
      ...deps.state,
      advanceWatermarks: async (
        updates: Parameters<typeof deps.state.advanceWatermarks>[0],
        runId: string,
      ) => {
        if (!winner) {
          // Another run reads, writes its manifest and advances between this run's manifest and advance.
          await addAddress(h.admin, 2, "Manchester");
          winner = await runIngest(h.settings, h.deps());
        }
        return deps.state.advanceWatermarks(updates, runId);
      },
    };

    const loser = await runIngest(h.settings, { ...deps, state });

    expect(loser.manifestKey).toBe(`runs/${loser.runId}.json`);
    expect(await h.keys("runs/")).toEqual(expect.arrayContaining([loser.manifestKey, winner?.manifestKey]));
    const winnerManifest = await h.manifest(winner?.manifestKey ?? "");
    expect(await h.state.getWatermarks(["watermark#address"])).toEqual({
      "watermark#address": winnerManifest.snapshot.upperBound,
    });
    expect(h.alerter.sent).toEqual([]);
    const { Items: failures } = await h.dynamo.send(new ScanCommand({ TableName: h.tables.failure }));
    expect(failures).toEqual([]);
    const audited = await auditItems();
    expect(audited.filter((i) => i.status !== "FINISHED")).toEqual([]);
    expect(audited.find((i) => i.key === loser.manifestKey)).toMatchObject({
      status: "FINISHED",
      runId: loser.runId,
      note: expect.stringContaining("another run advanced the watermarks first"),
    });
    expect(h.warnings).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ manifestKey: loser.manifestKey }) }),
    ]);
  });

  it("reads on from the winner's bound after two runs raced", async () => {
    await addAddress(h.admin, 1, "Leeds");
    const [a, b] = await Promise.all([runIngest(h.settings, h.deps()), runIngest(h.settings, h.deps())]);
    await sleep(5);
    await addAddress(h.admin, 2, "Manchester");

    const next = await runIngest(h.settings, h.deps());

    // Both read from no watermark and wrote a manifest: exactly one of them lost the advance.
    expect([a.manifestKey, b.manifestKey]).toEqual([expect.any(String), expect.any(String)]);
    expect(h.warnings).toHaveLength(1);
    expect(h.alerter.sent).toEqual([]);
    expect((await auditItems()).filter((i) => i.status !== "FINISHED")).toEqual([]);
    const manifest = await h.manifest(next.manifestKey ?? "");
    expect(await h.rows(manifest.tables[0]?.files[0]?.key ?? "")).toEqual([
      expect.objectContaining({ address_id: 2 }),
    ]);
  });
});

describe("immutable outputs", () => {
  it("never overwrites an object that already exists", async () => {
    const h2 = await createHarness();
    await h2.store.put(h2.bucket, "runs/x.json", "first", { ifNoneMatch: true });

    const second = h2.store.put(h2.bucket, "runs/x.json", "second", { ifNoneMatch: true });

    await expect(second).rejects.toThrow();
    expect(Buffer.from(await h2.store.get(h2.bucket, "runs/x.json")).toString()).toBe("first");
    await h2.close();
  });
});
