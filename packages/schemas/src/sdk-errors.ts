/**
 * What every AWS SDK v3 error carries that tells whether a retry can help, for the adapters that
 * map SDK errors to the pipeline's (`@etl/s3-io/aws`, `@etl/ops/aws`, the Redshift Data API).
 */
export interface SdkErrorShape {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function sdkErrorShape(error: unknown): SdkErrorShape {
  return typeof error === "object" && error !== null ? (error as SdkErrorShape) : {};
}

/** Error names AWS services use for throttling, timeouts and their own failures. */
const TRANSIENT_NAMES = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "KMSThrottlingException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "InternalError",
  "InternalServerError",
  "InternalFailure",
  "InternalErrorException",
  "ServiceUnavailable",
  "TransactionConflictException",
  "TransactionInProgressException",
  "ConditionalRequestConflict",
  "OperationAborted",
]);

/** Node's network failures: the request may never have reached the service. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/**
 * True when a retry may succeed: throttling, timeouts, 5xx, 429, network failures, or an error
 * the SDK itself marks retryable.
 */
export function isTransientSdkError(error: unknown): boolean {
  const { name = "Error", code, $retryable, $metadata } = sdkErrorShape(error);
  const status = $metadata?.httpStatusCode;
  return (
    TRANSIENT_NAMES.has(name) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /Timeout|Network|Socket/i.test(name) ||
    $retryable !== undefined ||
    status === 429 ||
    (status !== undefined && status >= 500)
  );
}
