/**
 * Why a page cannot show the warehouse's figures, in words for the reader of the page: the
 * warehouse is unreachable (`unreachable`), has no star schema yet (`missing`), or the query
 * failed for another reason (`failed`). The message never carries a connection string.
 */
export class WarehouseUnavailableError extends Error {
  override name = "WarehouseUnavailableError";
  constructor(
    readonly kind: "unreachable" | "missing" | "failed",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
