export {
  DEFAULT_RETRY_BACKOFF,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  FileQueue,
  type FileQueueOptions,
  type QueueMessage,
} from "./file-queue";
export {
  type DrainOptions,
  type DrainProblem,
  type DrainResult,
  drainQueue,
  type LocalContext,
  localContext,
  type SqsHandler,
  toSqsEvent,
} from "./lambda";
export {
  deliverByListing,
  deliverS3Events,
  type NotificationRoute,
  toEventBridgeObjectCreated,
  toListedObjectRecord,
} from "./notifications";
