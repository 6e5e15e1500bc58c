import { EtlError, isTransientSdkError, messageOf, sdkErrorShape, TransientError } from "@etl/schemas";
import { OpsStoreError } from "../errors";

/** The SDK error's name (`ConditionalCheckFailedException`, ...), or undefined. */
export function awsErrorName(error: unknown): string | undefined {
  return sdkErrorShape(error).name;
}

/**
 * Maps a DynamoDB or SNS SDK error: throttling, 5xx and network failures become `TransientError`;
 * a missing table or topic, access problems and invalid requests become non-retryable
 * `OpsStoreError`s. `what` names the call and its target, e.g. `BatchWriteItem etl-audit`.
 */
export function toOpsError(error: unknown, what: string): Error {
  if (error instanceof EtlError) return error;
  const { name = "Error", $metadata } = sdkErrorShape(error);
  const status = $metadata?.httpStatusCode;
  const message = `${what}: ${name}: ${messageOf(error)}`;
  if (isTransientSdkError(error)) return new TransientError(message, { cause: error });
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
