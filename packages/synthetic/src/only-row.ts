/**
 * The one row of a query that always returns exactly one (an aggregate without `group by`);
 * anything else means the query is not the one this code was written for, so it throws.
 */
export function onlyRow<T>(rows: readonly T[], what: string): T {
  const [row, ...more] = rows;
  if (row === undefined || more.length > 0)
    throw new Error(`expected one row of ${what}, got ${rows.length}`);
  return row;
}
