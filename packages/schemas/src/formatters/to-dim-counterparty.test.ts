import { describe, expect, it } from "vitest";
import { DataError } from "../errors";
import { makeAddress, makeCounterparty, thrownBy } from "../testing";
import { toDimCounterparty } from "./to-dim-counterparty";

describe("toDimCounterparty", () => {
  it.each([
    ["a full address", makeAddress({ address_line_2: "Unit 4", district: "Avon" }), "Unit 4", "Avon"],
    ["NULL address line 2", makeAddress({ address_line_2: null }), null, "Avon"],
    ["NULL line 2 and district", makeAddress({ address_line_2: null, district: null }), null, null],
  ])("joins %s and prefixes it counterparty_legal_", (_, address, line2, district) => {
    const [row] = toDimCounterparty([makeCounterparty()], [address]);

    expect(row).toEqual({
      counterparty_id: 1,
      counterparty_legal_name: "Fahey and Sons",
      counterparty_legal_address_line_1: "6826 Herzog Via",
      counterparty_legal_address_line_2: line2,
      counterparty_legal_district: district,
      counterparty_legal_city: "New Patienceburgh",
      counterparty_legal_postal_code: "28441",
      counterparty_legal_country: "Turkey",
      counterparty_legal_phone_number: "1803 637401",
      source_updated_at: "2022-11-03 14:20:49.962000",
    });
  });

  it("carries a changed address to every counterparty that uses it", () => {
    const counterparties = [
      makeCounterparty({ counterparty_id: 1 }),
      makeCounterparty({ counterparty_id: 2 }),
    ];
    const addresses = [
      makeAddress(),
      makeAddress({ phone: "0161 496 0000", last_updated: "2024-01-01T09:00:00" }),
    ];

    const rows = toDimCounterparty(counterparties, addresses);

    expect(rows.map((r) => r.counterparty_legal_phone_number)).toEqual(["0161 496 0000", "0161 496 0000"]);
    // Dated by the newer source, the address: a late load of the older row cannot replace it.
    expect(rows.map((r) => r.source_updated_at)).toEqual([
      "2024-01-01 09:00:00.000000",
      "2024-01-01 09:00:00.000000",
    ]);
  });

  it("names the counterparty and address ids when legal addresses are missing", () => {
    const counterparties = [
      makeCounterparty({ counterparty_id: 1, legal_address_id: 1 }),
      makeCounterparty({ counterparty_id: 12, legal_address_id: 28 }),
    ];

    const error = thrownBy(() => toDimCounterparty(counterparties, [makeAddress()]));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: "MISSING_REFERENCE",
      message: "dim_counterparty: legal address not found for counterparty_id 12 (legal_address_id 28)",
    });
  });
});
