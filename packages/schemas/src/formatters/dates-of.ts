import type { StarRow } from "../star";
import { dateColumns } from "../star-columns";
import type { StarTable } from "../tables";

/**
 * Every date the rows of a star table hold, in its `date` columns: feed the union over a run's
 * facts to `toDimDate` so every date a fact references is in `dim_date` (agreed dates included).
 *
 * @example
 * toDimDate([...datesOf("fact_sales_order", sales), ...datesOf("fact_payment", payments)])
 */
export function* datesOf<T extends StarTable>(table: T, rows: Iterable<StarRow<T>>): Generator<string> {
  const columns = dateColumns(table);
  for (const row of rows) {
    const values = row as Record<string, unknown>;
    for (const column of columns) {
      const value = values[column];
      if (typeof value === "string") yield value;
    }
  }
}
