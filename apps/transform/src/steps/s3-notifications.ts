/**
 * The transform reads run manifests from SQS messages exactly as the load does: the shared
 * parser in `@etl/schemas` handles S3 notifications, EventBridge events and the test event.
 */
export { decodeS3EventKey, type ManifestNotifications, manifestRunIds } from "@etl/schemas";
