import { describe, expect, it } from "vitest";
import { DataError } from "../errors";
import { makeCurrency, thrownBy } from "../testing";
import { toDimCurrency } from "./to-dim-currency";

describe("toDimCurrency", () => {
  it.each([
    [1, "GBP", "Pound Sterling"],
    [2, "USD", "US Dollar"],
    [3, "EUR", "Euro"],
  ])("currency %i %s is %s", (id, code, name) => {
    const rows = toDimCurrency([makeCurrency({ currency_id: id, currency_code: code })]);

    expect(rows).toEqual([
      {
        currency_id: id,
        currency_code: code,
        currency_name: name,
        source_updated_at: "2022-11-03 14:20:49.962000",
      },
    ]);
  });

  it("names every currency with an unknown code", () => {
    const currencies = [
      makeCurrency({ currency_id: 1 }),
      makeCurrency({ currency_id: 4, currency_code: "XYZ" }),
      makeCurrency({ currency_id: 5, currency_code: "ABC" }),
    ];

    const error = thrownBy(() => toDimCurrency(currencies));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: "UNKNOWN_CURRENCY",
      message:
        'dim_currency: unknown ISO 4217 currency code for currency_id 4 ("XYZ"), currency_id 5 ("ABC")',
    });
  });

  it("judges only the newest version of a currency", () => {
    const currencies = [
      makeCurrency({ currency_code: "XYZ", last_updated: "2022-01-01 00:00:00.000000" }),
      makeCurrency({ currency_code: "EUR", last_updated: "2023-01-01 00:00:00.000000" }),
    ];

    expect(toDimCurrency(currencies)).toEqual([
      {
        currency_id: 1,
        currency_code: "EUR",
        currency_name: "Euro",
        source_updated_at: "2023-01-01 00:00:00.000000",
      },
    ]);
  });
});
