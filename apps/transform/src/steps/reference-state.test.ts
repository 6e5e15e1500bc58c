import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { makeAddress, makeCurrency, makeDepartment } from "@etl/schemas/testing";
import { describe, expect, it } from "vitest";
import {
  emptyReferenceState,
  mergeReferenceState,
  readReferenceState,
  serialiseState,
  writeReferenceState,
} from "./reference-state";

const RUN = "20240101T000000000Z-00000001";

describe("mergeReferenceState", () => {
  it("replaces a row with a newer version, keeps a newer one over an older arrival, adds new ids", () => {
    const state = mergeReferenceState(emptyReferenceState(), {
      address: [
        makeAddress({ address_id: 1, city: "Old", last_updated: "2024-01-01 00:00:00.000000" }),
        makeAddress({ address_id: 2, city: "Kept", last_updated: "2024-01-03 00:00:00.000000" }),
      ],
    });

    const next = mergeReferenceState(state, {
      address: [
        makeAddress({ address_id: 1, city: "New", last_updated: "2024-01-02 00:00:00.000000" }),
        makeAddress({ address_id: 2, city: "Stale", last_updated: "2024-01-02 00:00:00.000000" }),
        makeAddress({ address_id: 3, city: "Added" }),
      ],
    });

    expect([...next.address.values()].map((a) => [a.address_id, a.city])).toEqual([
      [1, "New"],
      [2, "Kept"],
      [3, "Added"],
    ]);
    expect(state.address.get(1)?.city).toBe("Old");
    expect(next.currency).toBe(state.currency);
  });
});

describe("serialiseState", () => {
  it("gives the same bytes whatever order the rows arrived in", () => {
    const a = mergeReferenceState(emptyReferenceState(), {
      currency: [makeCurrency({ currency_id: 2, currency_code: "USD" }), makeCurrency({ currency_id: 1 })],
    });
    const b = mergeReferenceState(emptyReferenceState(), {
      currency: [makeCurrency({ currency_id: 1 }), makeCurrency({ currency_id: 2, currency_code: "USD" })],
    });

    expect(Buffer.from(serialiseState(a.currency))).toEqual(Buffer.from(serialiseState(b.currency)));
  });
});

describe("writeReferenceState / readReferenceState", () => {
  it("writes changed tables, keeps the previous pointers of the others, and reads back the same rows", async () => {
    const store = createMemoryObjectStore();
    const state = mergeReferenceState(emptyReferenceState(), {
      department: [makeDepartment({ department_id: 4, location: "Leds" })],
      currency: [makeCurrency()],
    });
    const previous = {
      address: { key: "state/address/older.jsonl.gz", rows: 30, bytes: 10, sha256: "a".repeat(64) },
    };

    const pointers = await writeReferenceState(
      store,
      "p",
      RUN,
      "0a1b2c3d",
      state,
      new Set(["department"]),
      previous,
    );
    const back = await readReferenceState(store, "p", {
      department: pointers.department ?? previous.address,
    });

    expect(Object.keys(pointers).sort()).toEqual(["address", "department"]);
    expect(pointers.address).toBe(previous.address);
    expect(pointers.department).toMatchObject({ key: `state/department/${RUN}-0a1b2c3d.jsonl.gz`, rows: 1 });
    expect([...back.department.values()]).toEqual([...state.department.values()]);
  });

  it("refuses a state object whose checksum differs from the manifest's", async () => {
    const store = createMemoryObjectStore();
    const state = mergeReferenceState(emptyReferenceState(), { currency: [makeCurrency()] });
    const pointers = await writeReferenceState(store, "p", RUN, "0a1b2c3d", state, new Set(["currency"]), {});
    const pointer = { ...(pointers.currency ?? { key: "", rows: 0, bytes: 0 }), sha256: "0".repeat(64) };

    const attempt = readReferenceState(store, "p", { currency: pointer });

    await expect(attempt).rejects.toMatchObject({ code: "BAD_STATE", retryable: false });
  });
});
