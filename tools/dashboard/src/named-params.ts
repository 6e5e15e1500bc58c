/** A value bound to a named parameter: the dashboard only binds text, numbers and null. */
export type ParamValue = string | number | null;
export type Params = Readonly<Record<string, ParamValue>>;

/** `:name` outside `::casts` and inside no word (so `'HH24:MI'` is left alone). */
const NAMED = /(?<![:\w]):([a-z_][a-z0-9_]*)/g;

/**
 * Rewrites `:name` parameters to PostgreSQL's `$1, $2, ...` with the values in order, so one SQL
 * text serves both PostgreSQL and the Redshift Data API (which takes `:name` itself). A name the
 * SQL uses and the values lack is refused: a missing value is a bug, never an empty filter.
 *
 * @example
 * toPositional("select :a::int + :a::int", { a: 1 }) // { text: "select $1::int + $1::int", values: [1] }
 */
export function toPositional(sql: string, params: Params): { text: string; values: ParamValue[] } {
  const order: string[] = [];
  const text = sql.replace(NAMED, (_, name: string) => {
    if (!(name in params)) throw new Error(`the SQL uses :${name} and no value was given for it`);
    let at = order.indexOf(name);
    if (at < 0) at = order.push(name) - 1;
    return `$${at + 1}`;
  });
  return { text, values: order.map((name) => params[name] ?? null) };
}

/** The names a SQL text uses, each once, in order. */
export function parameterNames(sql: string): string[] {
  return [...new Set([...sql.matchAll(NAMED)].map((m) => m[1] ?? ""))];
}
