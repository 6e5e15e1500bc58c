import { describe, expect, it } from "vitest";
import { WatermarkConflictError } from "../src/errors";
import type { StateStore } from "../src/ports";

/**
 * The behaviour every StateStore shares; run against the memory fake and DynamoDB.
 * `concurrentCallers: false` leaves out the concurrency case for a server that does not apply
 * concurrent requests to one item atomically (moto's server does not lock its in-memory tables).
 */
export function stateStoreContract(
  name: string,
  makeStore: () => Promise<StateStore>,
  options: { concurrentCallers?: boolean } = {},
): void {
  const concurrent = options.concurrentCallers === false ? [] : [20];
  describe(`${name}: StateStore contract`, () => {
    it("counts a sequence from 1, separately per name", async () => {
      const store = await makeStore();

      const values = [await store.nextSequence("ingest"), await store.nextSequence("ingest")];
      const other = await store.nextSequence("other");

      expect(values).toEqual([1, 2]);
      expect(other).toBe(1);
    });

    it.each(concurrent)("hands out distinct sequence numbers to %i concurrent callers", async (callers) => {
      const store = await makeStore();

      const values = await Promise.all(Array.from({ length: callers }, () => store.nextSequence("ingest")));

      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: callers }, (_, i) => i + 1));
    });

    it("reads unknown watermarks as null and advances them together", async () => {
      const store = await makeStore();

      const before = await store.getWatermarks(["address", "staff"]);
      await store.advanceWatermarks(
        [
          { name: "address", from: null, to: "2024-11-05 10:11:12.123456" },
          { name: "staff", from: null, to: "2024-11-05 09:00:00" },
        ],
        "run-1",
      );
      await store.advanceWatermarks(
        [{ name: "address", from: "2024-11-05 10:11:12.123456", to: "2024-11-06 00:00:00.000001" }],
        "run-2",
      );

      expect(before).toEqual({ address: null, staff: null });
      expect(await store.getWatermarks(["address", "staff", "design"])).toEqual({
        address: "2024-11-06 00:00:00.000001",
        staff: "2024-11-05 09:00:00",
        design: null,
      });
    });

    it("refuses the second of two overlapping runs and changes nothing for it", async () => {
      const store = await makeStore();
      await store.advanceWatermarks([{ name: "sales_order", from: null, to: "T0" }], "run-0");
      const first = [
        { name: "sales_order", from: "T0", to: "T1" },
        { name: "address", from: null, to: "A1" },
      ];
      const second = [
        { name: "sales_order", from: "T0", to: "T2" },
        { name: "address", from: null, to: "A2" },
      ];

      await store.advanceWatermarks(first, "run-1");
      const refused = store.advanceWatermarks(second, "run-2");

      await expect(refused).rejects.toBeInstanceOf(WatermarkConflictError);
      await expect(refused).rejects.toMatchObject({
        retryable: false,
        runId: "run-2",
        conflicts: [
          { name: "sales_order", expected: "T0", actual: "T1" },
          { name: "address", expected: null, actual: "A1" },
        ],
      });
      expect(await store.getWatermarks(["sales_order", "address"])).toEqual({
        sales_order: "T1",
        address: "A1",
      });
    });

    it("refuses an advance when only one of several watermarks moved, and applies none of it", async () => {
      const store = await makeStore();
      await store.advanceWatermarks(
        [
          { name: "a", from: null, to: "1" },
          { name: "b", from: null, to: "1" },
        ],
        "run-1",
      );
      await store.advanceWatermarks([{ name: "b", from: "1", to: "2" }], "run-2");

      const refused = store.advanceWatermarks(
        [
          { name: "a", from: "1", to: "3" },
          { name: "b", from: "1", to: "3" },
        ],
        "run-3",
      );

      await expect(refused).rejects.toThrow(
        "run run-3: watermarks moved since the run read them: b (expected 1, found 2)",
      );
      expect(await store.getWatermarks(["a", "b"])).toEqual({ a: "1", b: "2" });
    });

    it("puts, gets, lists by prefix and deletes records", async () => {
      const store = await makeStore();
      await store.putRecord("statement", "run-1#dim_staff", { statementId: "s-1", attempts: 1 });
      await store.putRecord("statement", "run-1#fact_sales_order", {
        statementId: "s-2",
        nested: { ok: true },
      });
      await store.putRecord("statement", "run-2#dim_staff", { statementId: "s-3" });
      await store.putRecord("other", "run-1#x", { statementId: "s-4" });

      const record = await store.getRecord("statement", "run-1#dim_staff");
      const listed = await store.listRecords("statement", "run-1#");
      const all = await store.listRecords("statement");
      const deleted = [
        await store.deleteRecord("statement", "run-1#dim_staff"),
        await store.deleteRecord("statement", "run-1#dim_staff"),
      ];

      expect(record).toEqual({
        namespace: "statement",
        id: "run-1#dim_staff",
        data: { statementId: "s-1", attempts: 1 },
        updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      });
      expect(listed.map((r) => [r.id, r.data])).toEqual([
        ["run-1#dim_staff", { statementId: "s-1", attempts: 1 }],
        ["run-1#fact_sales_order", { statementId: "s-2", nested: { ok: true } }],
      ]);
      expect(all.map((r) => r.id)).toEqual(["run-1#dim_staff", "run-1#fact_sales_order", "run-2#dim_staff"]);
      expect(deleted).toEqual([true, false]);
      expect(await store.getRecord("statement", "run-1#dim_staff")).toBeUndefined();
    });

    it("writes a record only once with ifAbsent and sets its expiry", async () => {
      const store = await makeStore();

      const first = await store.putRecord("handoff", "s-1", { n: 1 }, { ifAbsent: true, ttlSeconds: 3600 });
      const second = await store.putRecord("handoff", "s-1", { n: 2 }, { ifAbsent: true });
      const record = await store.getRecord("handoff", "s-1");

      expect([first, second]).toEqual([true, false]);
      expect(record?.data).toEqual({ n: 1 });
      expect(record?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 3000);
    });

    it("writes a record with ifData only while its data fields hold the given values", async () => {
      const store = await makeStore();
      await store.putRecord("claims", "c-1", { attempt: "A", leaseUntil: 5 });

      const missing = await store.putRecord("claims", "c-2", { attempt: "A" }, { ifData: { attempt: "A" } });
      const first = await store.putRecord(
        "claims",
        "c-1",
        { attempt: "A", status: "FINISHED" },
        { ifData: { attempt: "A", status: null } },
      );
      const second = await store.putRecord(
        "claims",
        "c-1",
        { attempt: "A", status: "FAILED" },
        { ifData: { attempt: "A", status: null } },
      );
      const other = await store.putRecord("claims", "c-1", { attempt: "B" }, { ifData: { attempt: "B" } });

      expect([missing, first, second, other]).toEqual([false, true, false, false]);
      expect((await store.getRecord("claims", "c-1"))?.data).toEqual({ attempt: "A", status: "FINISHED" });
      expect(await store.getRecord("claims", "c-2")).toBeUndefined();
    });
  });
}
