import type { CloudEndpoints } from "../services/types";

declare module "vitest" {
  export interface ProvidedContext {
    cloud: CloudEndpoints;
    /** True when the run's S3 endpoint is the local cloud's s3rver. */
    localS3Server: boolean;
  }
}
