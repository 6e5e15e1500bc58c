export {
  cloud,
  freshBucket,
  freshDatabase,
  localCredentials,
  localDynamoClient,
  localS3Client,
  localS3Env,
  localS3Server,
} from "./cloud";
export { type MotoServer, startMoto } from "./moto";
