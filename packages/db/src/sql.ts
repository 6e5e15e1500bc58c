import { DataError } from "@etl/schemas";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The one way an identifier enters SQL. It must already be a plain name (letters, digits,
 * underscore, at most 63 characters) and is always double-quoted, so a keyword such as
 * `transaction` is safe and anything SQL-looking is refused rather than escaped.
 *
 * @example
 * `select * from ${quoteIdent("transaction")}` // select * from "transaction"
 */
export function quoteIdent(name: string): string {
  if (!isPlainIdentifier(name)) {
    throw new DataError(
      `refused SQL identifier ${JSON.stringify(name.slice(0, 80))}: only letters, digits and _ are allowed`,
      {
        code: "BAD_IDENTIFIER",
      },
    );
  }
  return `"${name}"`;
}

/** Whether `quoteIdent` takes `name` (a name read from the catalog may be one it refuses). */
export function isPlainIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** `schema.table`, each part quoted by `quoteIdent`. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
