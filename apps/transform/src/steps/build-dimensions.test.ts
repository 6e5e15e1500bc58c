import {
  makeAddress,
  makeCounterparty,
  makeCurrency,
  makeDepartment,
  makeDesign,
  makeStaff,
} from "@etl/schemas/testing";
import { describe, expect, it } from "vitest";
import { buildReferenceDimensions } from "./build-dimensions";
import { emptyReferenceState, mergeReferenceState, type ReferenceChanges } from "./reference-state";

const base = mergeReferenceState(emptyReferenceState(), {
  address: [makeAddress({ address_id: 1 }), makeAddress({ address_id: 2, city: "Leeds" })],
  counterparty: [
    makeCounterparty({ counterparty_id: 10, legal_address_id: 1 }),
    makeCounterparty({ counterparty_id: 11, legal_address_id: 2 }),
    makeCounterparty({ counterparty_id: 12, legal_address_id: 1 }),
  ],
  department: [makeDepartment({ department_id: 1 }), makeDepartment({ department_id: 2, location: "Leeds" })],
  staff: [
    makeStaff({ staff_id: 5, department_id: 2 }),
    makeStaff({ staff_id: 6, department_id: 1 }),
    makeStaff({ staff_id: 7, department_id: 2 }),
  ],
  currency: [makeCurrency()],
  design: [makeDesign()],
});

function run(changes: ReferenceChanges) {
  return buildReferenceDimensions(changes, mergeReferenceState(base, changes));
}

describe("buildReferenceDimensions", () => {
  it("a changed address reaches dim_location and every counterparty whose legal address it is", () => {
    const dims = run({
      address: [makeAddress({ address_id: 1, city: "York", last_updated: "2024-01-01 00:00:00.000000" })],
    });

    expect(dims.dim_location.map((l) => [l.location_id, l.city])).toEqual([[1, "York"]]);
    expect(dims.dim_counterparty.map((c) => [c.counterparty_id, c.counterparty_legal_city])).toEqual([
      [10, "York"],
      [12, "York"],
    ]);
    expect(dims.dim_staff).toEqual([]);
  });

  it("a changed department reaches every member of staff in it", () => {
    const dims = run({
      department: [
        makeDepartment({ department_id: 2, location: "Hull", last_updated: "2024-01-01 00:00:00.000000" }),
      ],
    });

    expect(dims.dim_staff.map((s) => [s.staff_id, s.location])).toEqual([
      [5, "Hull"],
      [7, "Hull"],
    ]);
    expect(dims.dim_location).toEqual([]);
  });

  it("a changed counterparty alone joins its address from the state", () => {
    const dims = run({
      counterparty: [
        makeCounterparty({ counterparty_id: 11, legal_address_id: 2, counterparty_legal_name: "New" }),
      ],
    });

    expect(dims.dim_counterparty).toEqual([
      expect.objectContaining({
        counterparty_id: 11,
        counterparty_legal_name: "New",
        counterparty_legal_city: "Leeds",
      }),
    ]);
  });

  it("only changed rows of the plain dimensions", () => {
    const dims = run({ design: [makeDesign({ design_id: 3 })], currency: [] });

    expect(dims.dim_design.map((d) => d.design_id)).toEqual([3]);
    expect(dims.dim_currency).toEqual([]);
  });

  it.each([
    [{ staff: [makeStaff({ staff_id: 9, department_id: 99 })] }, "staff_id 9 (department_id 99)"],
    [
      { counterparty: [makeCounterparty({ counterparty_id: 9, legal_address_id: 77 })] },
      "legal_address_id 77",
    ],
    [{ currency: [makeCurrency({ currency_id: 4, currency_code: "XYZ" })] }, "currency_id 4"],
  ] as [ReferenceChanges, string][])(
    "a missing reference or unknown code is a DataError naming the ids",
    (changes, ids) => {
      const build = () => run(changes);

      expect(build).toThrow(ids);
    },
  );
});
