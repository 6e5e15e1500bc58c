/** What a reader narrowed the figures to; kept in the page's URL so a view can be shared. */
export interface Filters {
  /** First day counted (`YYYY-MM-DD`), inclusive. */
  from?: string;
  /** Last day counted (`YYYY-MM-DD`), inclusive. */
  to?: string;
  /** An ISO 4217 code: only facts in that currency. */
  currency?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CURRENCY = /^[A-Z]{3}$/;

/** Reads the filters from a query string; a malformed value is dropped, with a note saying so. */
export function parseFilters(search: URLSearchParams): { filters: Filters; problems: string[] } {
  const filters: Filters = {};
  const problems: string[] = [];
  for (const key of ["from", "to"] as const) {
    const value = search.get(key);
    if (!value) continue;
    if (DAY.test(value) && !Number.isNaN(Date.parse(value))) filters[key] = value;
    else problems.push(`ignored ${key}=${JSON.stringify(value.slice(0, 40))}: a day is written YYYY-MM-DD`);
  }
  const currency = search.get("currency")?.toUpperCase();
  if (currency) {
    if (CURRENCY.test(currency)) filters.currency = currency;
    else
      problems.push(
        `ignored currency=${JSON.stringify(currency.slice(0, 40))}: a currency is a three-letter code`,
      );
  }
  return { filters, problems };
}

/** The query string of a set of filters (empty values left out). */
export function filterQuery(filters: Filters): string {
  const search = new URLSearchParams();
  if (filters.from) search.set("from", filters.from);
  if (filters.to) search.set("to", filters.to);
  if (filters.currency) search.set("currency", filters.currency);
  const text = search.toString();
  return text ? `?${text}` : "";
}
