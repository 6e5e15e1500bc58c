import { currencyName } from "../currency-names";
import { DataError } from "../errors";
import type { Currency } from "../source";
import type { DimCurrency } from "../star";
import { listIds, newestByKey, sourceUpdatedAt } from "./values";

/**
 * `dim_currency` from `currency` rows: the newest version of each currency with its ISO 4217
 * name (`GBP` is `Pound Sterling`). An unknown code is a data error naming every such currency.
 */
export function toDimCurrency(currencies: Iterable<Currency>): DimCurrency[] {
  const newest = newestByKey(currencies, (c) => c.currency_id, { table: "currency", key: "currency_id" });
  const unknown = newest.filter((c) => currencyName(c.currency_code) === undefined);
  if (unknown.length > 0) {
    throw new DataError(
      `dim_currency: unknown ISO 4217 currency code for ${listIds(
        unknown.map((c) => `currency_id ${c.currency_id} (${JSON.stringify(c.currency_code)})`),
      )}`,
      { code: "UNKNOWN_CURRENCY" },
    );
  }
  return newest.map((c) => ({
    currency_id: c.currency_id,
    currency_code: c.currency_code,
    currency_name: currencyName(c.currency_code) ?? "",
    source_updated_at: sourceUpdatedAt(() => `currency ${c.currency_id}`, c.last_updated),
  }));
}
