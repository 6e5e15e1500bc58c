import { LoadDataError } from "@etl/db/errors";
import { DataError, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { BUCKET, GOOD, KEY, NOW, setup } from "../../test/support/file-load-setup";
import { runFileLoad } from "./run-file-load";
import { CLAIM_NAMESPACE } from "./steps/claims";
import { fileId } from "./steps/destinations";
import type { FileWarehouse } from "./steps/file-warehouse";

describe("runFileLoad", () => {
  it("loads the stripped copy, archives the file, audits, publishes and alerts", async () => {
    const { deps, store, audit, alerter, events, requests, land } = setup();
    const object = await land(GOOD);

    const outcome = await runFileLoad(object, deps);

    expect(outcome).toMatchObject({
      status: "FINISHED",
      rows: 2,
      destination: "archive/sales/2026/11/23/day-1.csv",
    });
    expect(store.text(BUCKET, "archive/sales/2026/11/23/day-1.csv")).toBe(GOOD);
    expect(store.objects(BUCKET).map((o) => o.key)).toEqual(["archive/sales/2026/11/23/day-1.csv"]);
    expect(requests[0]?.key).toBe(`processing/sales/${fileId(object)}.csv`);
    expect(requests[0]?.spec.ledger).toMatchObject({ rows: 2, runId: "files:sales", table: "s.orders" });
    expect(audit.items.map((i) => [i.stage, i.runId, i.status, i.rows])).toEqual([
      ["files", "sales", "FINISHED", 2],
    ]);
    expect(alerter.sent.map((a) => a.subject)).toEqual([
      "ETL files s.orders day-1.csv: FINISHED: 2 rows into s.orders",
    ]);
    expect(events.published[0]?.detail).toMatchObject({ status: "FINISHED", rule: "sales", rows: 2 });
  });

  it("does not load a duplicate event twice", async () => {
    const { deps, audit, requests, land } = setup();
    const object = await land(GOOD);
    await runFileLoad(object, deps);

    const again = await runFileLoad(object, deps);

    expect(again.status).toBe("SKIPPED");
    expect(requests).toHaveLength(1);
    expect(audit.items.map((i) => i.status).sort()).toEqual(["FINISHED", "SKIPPED"]);
  });

  it("refuses a version another attempt holds, as retryable after the lease's remaining time, and audits it once", async () => {
    const { deps, state, audit, land } = setup();
    const object = await land(GOOD);
    await state.putRecord(CLAIM_NAMESPACE, fileId(object), {
      attempt: "earlier",
      leaseUntil: NOW.getTime() + 60_000,
    });

    const refused = runFileLoad(object, deps);

    await expect(refused).rejects.toThrow(TransientError);
    await expect(refused).rejects.toMatchObject({ code: "FILE_BUSY", retryAfterSeconds: 60 });
    expect(audit.items).toMatchObject([
      { stage: "files", runId: "sales", key: KEY, status: "BUSY", error: expect.stringMatching(/earlier/) },
    ]);
  });

  it("keeps a decision whose report failed: the file stays archived, the claim FINISHED, and the redelivery reports it", async () => {
    const { deps, store, state, audit, land } = setup();
    const object = await land(GOOD);
    audit.failNextRecord(new DataError("BatchWriteItem audit: ValidationException"));

    const first = runFileLoad(object, deps);

    await expect(first).rejects.toMatchObject({ retryable: true, code: "FILE_REPORT_FAILED" });
    await expect(first).rejects.toThrow(/FINISHED.*ValidationException/);
    expect(store.objects(BUCKET).map((o) => o.key)).toEqual(["archive/sales/2026/11/23/day-1.csv"]);
    expect((await state.getRecord(CLAIM_NAMESPACE, fileId(object)))?.data).toMatchObject({
      status: "FINISHED",
      destination: "archive/sales/2026/11/23/day-1.csv",
      reported: false,
    });
    // The unfinished report is a retryable failure on its first receive: recorded by the policy.
    expect(audit.failures.map((f) => [f.retryable, f.details?.code])).toEqual([[true, "FILE_REPORT_FAILED"]]);

    const again = await runFileLoad(object, deps);

    expect(again.status).toBe("SKIPPED");
    expect(audit.items.map((i) => i.status).sort()).toEqual(["FINISHED", "SKIPPED"]);
    expect((await state.getRecord(CLAIM_NAMESPACE, fileId(object)))?.data.reported).toBe(true);
  });

  it("ends a file that failed unexpectedly with its own reason, even when reporting it fails", async () => {
    const { deps, store, state, audit, land } = setup();
    const object = await land(GOOD);
    const broken = {
      ...deps,
      rules: { match: async () => Promise.reject(new DataError("the rules table is corrupt")) },
    };
    audit.failNextRecord(new DataError("BatchWriteItem audit: ValidationException"));

    await expect(runFileLoad(object, broken)).rejects.toMatchObject({ retryable: true });

    const reason = JSON.parse(store.text(BUCKET, "error/unmatched/2026/11/23/day-1.csv.reason.json") ?? "{}");
    expect(reason).toMatchObject({ status: "FAILED", error: "the rules table is corrupt" });
    expect((await state.getRecord(CLAIM_NAMESPACE, fileId(object)))?.data).toMatchObject({
      status: "FAILED",
      error: "the rules table is corrupt",
    });
    await runFileLoad(object, deps);
    expect(audit.items.find((i) => i.status === "FAILED")?.error).toBe("the rules table is corrupt");
    expect(audit.failures.map((f) => f.error)).toEqual(["the rules table is corrupt"]);
  });

  it("never overwrites the decision of another attempt that took the version over", async () => {
    const { deps, store, state, requests, land } = setup();
    const object = await land(GOOD);
    const id = fileId(object);
    const theirs = {
      bucket: BUCKET,
      key: KEY,
      version: "01",
      attempt: "taken-over",
      leaseUntil: 0,
      status: "FAILED",
      destination: "error/sales/2026/11/23/day-1.csv",
      rule: "sales",
      error: "their reason",
      reported: true,
    };
    const slow = { ...deps };
    slow.warehouse = {
      ...deps.warehouse,
      async load(request) {
        // While this attempt loads, another one takes the version over and decides it.
        await state.putRecord(CLAIM_NAMESPACE, id, theirs);
        return deps.warehouse.load(request);
      },
    };

    const outcome = await runFileLoad(object, slow);

    expect(outcome.status).toBe("SKIPPED");
    expect(requests).toHaveLength(1);
    expect((await state.getRecord(CLAIM_NAMESPACE, id))?.data).toEqual(theirs);
    expect(store.objects(BUCKET).map((o) => o.key)).not.toContain("archive/sales/2026/11/23/day-1.csv");
  });

  it("gives the claim up on a retryable failure, so the next delivery loads it", async () => {
    let fail = true;
    const { deps, store, land } = setup(async (r) => {
      if (fail) {
        fail = false;
        throw new TransientError("connection reset");
      }
      return { status: "loaded", rows: r.spec.ledger.rows };
    });
    const object = await land(GOOD);

    await expect(runFileLoad(object, deps)).rejects.toThrow("connection reset");
    const retried = await runFileLoad(object, deps);

    expect(retried.status).toBe("FINISHED");
    expect(store.objects(BUCKET).map((o) => o.key)).toEqual(["archive/sales/2026/11/23/day-1.csv"]);
  });

  it("finishes the move and the report of an attempt that stopped after deciding", async () => {
    const { deps, store, state, alerter, land } = setup();
    const object = await land(GOOD);
    await state.putRecord(CLAIM_NAMESPACE, fileId(object), {
      bucket: BUCKET,
      key: KEY,
      version: "01",
      attempt: "earlier",
      leaseUntil: 0,
      status: "FINISHED",
      destination: "archive/sales/2026/11/23/day-1.csv",
      rule: "sales",
      rows: 2,
      etag: object.etag,
      reported: false,
      notify: "both",
    });

    const outcome = await runFileLoad(object, deps);

    expect(outcome.status).toBe("SKIPPED");
    expect(store.objects(BUCKET).map((o) => o.key)).toEqual(["archive/sales/2026/11/23/day-1.csv"]);
    expect(alerter.sent).toHaveLength(1);
    expect((await state.getRecord(CLAIM_NAMESPACE, fileId(object)))?.data.reported).toBe(true);
  });

  it("moves a file the warehouse refused to the error prefix with its reason", async () => {
    const { deps, store, audit, land } = setup(async () => {
      throw new LoadDataError("invalid input syntax for type integer", {
        table: "s.orders",
        sql: "copy ...",
      });
    });
    const object = await land(GOOD);

    const outcome = await runFileLoad(object, deps);

    expect(outcome.status).toBe("FAILED");
    expect(store.objects(BUCKET).map((o) => o.key)).toEqual([
      "error/sales/2026/11/23/day-1.csv",
      "error/sales/2026/11/23/day-1.csv.reason.json",
    ]);
    expect(
      JSON.parse(store.text(BUCKET, "error/sales/2026/11/23/day-1.csv.reason.json") ?? "{}"),
    ).toMatchObject({
      status: "FAILED",
      rule: "sales",
      error: "the load failed: invalid input syntax for type integer",
    });
    expect(audit.failures[0]).toMatchObject({
      stage: "files",
      runId: "sales",
      sql: "copy ...",
      retryable: false,
    });
  });

  it("skips an event whose object was replaced since, leaving the newer version for its own event", async () => {
    const { deps, store, requests, land } = setup();
    const older = await land(GOOD);
    await store.put(BUCKET, KEY, GOOD.replace("3.00", "4.00"));

    const outcome = await runFileLoad(older, deps);

    expect(outcome.status).toBe("SKIPPED");
    expect(requests).toHaveLength(0);
    expect(await store.head(BUCKET, KEY)).toBeDefined();
  });

  it("refuses a file without its header on Redshift too, before anything is submitted", async () => {
    const { deps, store, requests, land } = setup();
    const object = await land("1,2.50\n2,3.00\nT 000002\n");
    const redshift: FileWarehouse = { ...deps.warehouse, target: "redshift" };

    const outcome = await runFileLoad(object, { ...deps, warehouse: redshift });

    expect(outcome).toMatchObject({ status: "ABORTED", destination: "error/sales/2026/11/23/day-1.csv" });
    expect(outcome.error).toBe(
      'the header is "1,2.50", the rule expects "id,amount" (the columns by name, in order; * any)',
    );
    expect(requests).toHaveLength(0);
    expect(store.objects(BUCKET).map((o) => o.key)).toEqual([
      "error/sales/2026/11/23/day-1.csv",
      "error/sales/2026/11/23/day-1.csv.reason.json",
    ]);
  });

  it("keeps archive and error keys within S3's 1,024 bytes when the file's name alone is that long", async () => {
    const { deps, store, land } = setup();
    const name = `${"n".repeat(1024 - "landing/sales/".length - "-é.csv".length - 1)}-é.csv`;
    const key = `landing/sales/${name}`;
    expect(Buffer.byteLength(key)).toBe(1024);
    const good = await land(GOOD, key);
    const bad = await land("x\n", key.replace(/n-é/, "m-é"));

    const archived = await runFileLoad(good, deps);
    const refused = await runFileLoad(bad, deps);

    expect(archived.status).toBe("FINISHED");
    expect(refused.status).toBe("ABORTED");
    for (const outcome of [archived, refused]) {
      expect(outcome.destination).toMatch(
        /^(archive|error)\/sales\/2026\/11\/23\/[0-9a-f]{12}-n+(m)?-é\.csv$/,
      );
      expect(Buffer.byteLength(`${outcome.destination}.${"0".repeat(12)}.reason.json`)).toBeLessThanOrEqual(
        1024,
      );
    }
    expect(archived.destination).not.toBe(refused.destination?.replace("error/", "archive/"));
    expect(store.objects(BUCKET).map((o) => o.key)).toHaveLength(3);
  });

  it("aborts a rule the warehouse cannot express before reading the file", async () => {
    const { deps, store, requests, land } = setup();
    const object = await land(GOOD);
    const redshiftLike = {
      ...deps.warehouse,
      problems: () => ['Redshift COPY cannot take "\\\\" as the CSV quote'],
    };

    const outcome = await runFileLoad(object, { ...deps, warehouse: redshiftLike });

    expect(outcome).toMatchObject({ status: "ABORTED", destination: "error/sales/2026/11/23/day-1.csv" });
    expect(outcome.error).toMatch(/^the postgres warehouse cannot load this rule: Redshift COPY cannot take/);
    expect(requests).toHaveLength(0);
    expect(store.objects(BUCKET).map((o) => o.key)).toEqual([
      "error/sales/2026/11/23/day-1.csv",
      "error/sales/2026/11/23/day-1.csv.reason.json",
    ]);
  });
});
