/**
 * What a failed Redshift statement means for the load. Serializable isolation violations (error
 * 1023: two transactions wrote the same table) and lost connections are retried with backoff;
 * everything else, a COPY that rejected rows above all, is terminal: retrying cannot fix data.
 */
export type FailureKind = "serialization" | "transient" | "terminal";

export function classifyStatementError(error: string | undefined): FailureKind {
  const text = error ?? "";
  if (/\b1023\b|serializable isolation violation/i.test(text)) return "serialization";
  if (
    /connection (?:reset|refused|timed out|closed)|could not connect|terminating connection|server closed the connection|out of memory|disk full|resource busy/i.test(
      text,
    )
  ) {
    return "transient";
  }
  return "terminal";
}
