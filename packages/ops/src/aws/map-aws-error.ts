import { EtlError, messageOf, TransientError } from "@etl/schemas";
import { OpsStoreError } from "../errors";

interface SdkErrorShape {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const TRANSIENT_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "LimitExceededException",
  "InternalServerError",
  "InternalFailure",
  "InternalErrorException",
  "ServiceUnavailable",
  "TransactionConflictException",
  "TransactionInProgressException",
  "KMSThrottlingException",
  "TimeoutError",
  "RequestTimeout",
]);

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
]);

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === "object" && error !== null ? (error as SdkErrorShape) : {};
}

/** The SDK error's name (`ConditionalCheckFailedException`, ...), or undefined. */
export function awsErrorName(error: unknown): string | undefined {
  return shapeOf(error).name;
}

/**
 * Maps a DynamoDB or SNS SDK error: throttling, 5xx and network failures become `TransientError`;
 * a missing table or topic, access problems and invalid requests become non-retryable
 * `OpsStoreError`s. `what` names the call and its target, e.g. `BatchWriteItem etl-audit`.
 */
export function toOpsError(error: unknown, what: string): Error {
  if (error instanceof EtlError) return error;
  const { name = "Error", code, $retryable, $metadata } = shapeOf(error);
  const status = $metadata?.httpStatusCode;
  const message = `${what}: ${name}: ${messageOf(error)}`;
  const network = (code !== undefined && NETWORK_CODES.has(code)) || /Timeout|Network|Socket/i.test(name);
  if (
    TRANSIENT_NAMES.has(name) ||
    network ||
    $retryable !== undefined ||
    status === 429 ||
    (status !== undefined && status >= 500)
  ) {
    return new TransientError(message, { cause: error });
  }
  if (status === undefined) return error instanceof Error ? error : new Error(message);
  if (name === "ResourceNotFoundException" || name === "NotFoundException" || name === "NotFound") {
    return new OpsStoreError(`${what}: does not exist (${name})`, { code: "NOT_FOUND", cause: error });
  }
  if (name === "AccessDeniedException" || name === "AuthorizationErrorException" || status === 403) {
    return new OpsStoreError(`${what}: access denied (${name}); check the role's permissions`, {
      code: "ACCESS_DENIED",
      cause: error,
    });
  }
  return new OpsStoreError(message, { code: `AWS_${name}`, cause: error });
}
