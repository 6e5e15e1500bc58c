export {
  cloud,
  freshBucket,
  freshDatabase,
  localCredentials,
  localDynamoClient,
  localS3Client,
} from "./cloud";
