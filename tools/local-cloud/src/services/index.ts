export { localCredentials, localDynamoClient, localS3Client } from "./clients";
export {
  type DetachedStart,
  isAlive,
  type RunningCloud,
  readCloudState,
  startDetachedCloud,
  startLocalCloud,
  stopDetachedCloud,
} from "./local-cloud";
export { freePort, isPortTaken } from "./ports";
export { postgresBinaries } from "./postgres-binaries";
export { isNotAnswering, probeCloud, type ServiceProbe, serviceErrorMessage } from "./probe";
export {
  decodeS3EventKey,
  encodeS3EventKey,
  type S3Event,
  type S3EventRecord,
  toRealS3EventRecord,
} from "./s3-event";
export {
  type CloudEndpoints,
  type CloudOptions,
  type CloudState,
  redactUrl,
  ServiceStartError,
} from "./types";
