/**
 * The root holds only what every concern shares: the identifier quoting that all generated SQL
 * goes through. Each concern has its own subpath (see README.md), so importing the root pulls in
 * no AWS SDK, no pg-copy-streams and no Parquet reader.
 */
export { qualified, quoteIdent } from "./sql";
