export { FileQueue, type FileQueueOptions, type QueueMessage } from "./file-queue";
export {
  type DrainResult,
  drainQueue,
  type LocalContext,
  localContext,
  type SqsHandler,
  toSqsEvent,
} from "./lambda";
export { deliverS3Events, type NotificationRoute, toEventBridgeObjectCreated } from "./notifications";
