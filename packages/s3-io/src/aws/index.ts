export { isNotFound, toObjectStoreError } from "./map-s3-error";
export {
  createObjectStoreFromEnv,
  createS3Client,
  isLocalS3Server,
  LOCAL_S3_CREDENTIALS,
  LOCAL_S3_SERVER_VARIABLE,
  type S3ClientOptions,
} from "./s3-client";
export { createS3ObjectStore, type S3ObjectStoreOptions } from "./s3-object-store";
