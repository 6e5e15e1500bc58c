import { describe, expect, it } from "vitest";
import { makeAddress } from "../testing";
import { toDimLocation } from "./to-dim-location";

describe("toDimLocation", () => {
  it.each([
    [
      "both lines and district",
      makeAddress({ address_line_2: "Flat 2", district: "Avon" }),
      "Flat 2",
      "Avon",
    ],
    ["NULL address line 2", makeAddress({ address_line_2: null }), null, "Avon"],
    ["NULL line 2 and district", makeAddress({ address_line_2: null, district: null }), null, null],
  ])("maps an address with %s", (_, address, line2, district) => {
    const [row] = toDimLocation([address]);

    expect(row).toEqual({
      location_id: 1,
      address_line_1: "6826 Herzog Via",
      address_line_2: line2,
      district,
      city: "New Patienceburgh",
      postal_code: "28441",
      country: "Turkey",
      phone: "1803 637401",
      source_updated_at: "2022-11-03 14:20:49.962000",
    });
  });

  it("keeps the newest version of each address", () => {
    const rows = [
      makeAddress({ address_id: 1, phone: "new", last_updated: "2024-05-01 09:00:00.000001" }),
      makeAddress({ address_id: 1, phone: "old", last_updated: "2024-05-01 09:00:00.000000" }),
      makeAddress({ address_id: 2 }),
    ];

    const result = toDimLocation(rows);

    expect(result.map((r) => [r.location_id, r.phone, r.source_updated_at])).toEqual([
      [1, "new", "2024-05-01 09:00:00.000001"],
      [2, "1803 637401", "2022-11-03 14:20:49.962000"],
    ]);
  });

  it("returns nothing for nothing", () => {
    expect(toDimLocation([])).toEqual([]);
  });
});
