/** The rows a statement changed; pg types the count as nullable, for commands that have none. */
export function affectedRows(result: { rowCount: number | null }): number {
  return result.rowCount ?? 0;
}
