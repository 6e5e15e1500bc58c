import { S3Client } from "@aws-sdk/client-s3";
import type { ObjectStore } from "../object-store";
import { createS3ObjectStore } from "./s3-object-store";

export interface S3ClientOptions {
  region: string;
  /** A local or S3-compatible endpoint; unset on AWS. */
  endpoint?: string;
  /** Credentials for the endpoint; the local server's fixed ones by default. Ignored on AWS. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The local S3-compatible server accepts any credentials; fixed ones keep real ones out of play. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/**
 * An S3 client for AWS (default credential chain) or, with `endpoint`, for the local server:
 * path-style addressing, the local credentials, and checksums only where the API requires them
 * (the local server does not understand the SDK's default CRC trailers).
 *
 * @example
 * const s3 = createS3Client({ region: config.AWS_REGION, endpoint: config.S3_ENDPOINT });
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  if (options.endpoint === undefined) return new S3Client({ region: options.region });
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: true,
    credentials: options.credentials ?? { ...LOCAL_S3_CREDENTIALS },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/**
 * The object store an app's config names: S3, or the local S3-compatible server when
 * `S3_ENDPOINT` is set (then overwrites are refused by a check first, since that server ignores
 * `If-None-Match`).
 */
export function createObjectStoreFromEnv(env: {
  AWS_REGION: string;
  S3_ENDPOINT?: string | undefined;
}): ObjectStore {
  const endpoint = env.S3_ENDPOINT;
  return createS3ObjectStore(createS3Client({ region: env.AWS_REGION, ...(endpoint ? { endpoint } : {}) }), {
    localServer: endpoint !== undefined,
  });
}
