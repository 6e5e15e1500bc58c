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
 * The variable that says `S3_ENDPOINT` is the project's own local server (s3rver), whose quirks
 * the adapter then works around (`localServer`). The local cloud sets it to `s3rver` in the
 * environment it hands out; any other S3-compatible endpoint (moto, MinIO, ...) leaves it unset
 * and gets exactly the requests AWS gets. An endpoint alone says nothing about the server.
 */
export const LOCAL_S3_SERVER_VARIABLE = "ETL_LOCAL_S3";

/**
 * True when the environment names the project's own local S3 server (`ETL_LOCAL_S3=s3rver`).
 * Any other non-empty value is refused, so a typo cannot silently turn the workarounds on or off.
 */
export function isLocalS3Server(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env[LOCAL_S3_SERVER_VARIABLE];
  if (value === undefined || value === "") return false;
  if (value === "s3rver") return true;
  throw new Error(
    `${LOCAL_S3_SERVER_VARIABLE}=${JSON.stringify(value)} is not understood: set it to "s3rver" for the local s3rver, or leave it unset`,
  );
}

/**
 * The object store an app's config names: S3, or the S3-compatible server at `S3_ENDPOINT`.
 * The s3rver workarounds (overwrites refused by a HEAD first, `encodeURI` copy sources) apply
 * only when `ETL_LOCAL_S3=s3rver` names that server as well.
 */
export function createObjectStoreFromEnv(env: {
  AWS_REGION: string;
  S3_ENDPOINT?: string | undefined;
  ETL_LOCAL_S3?: string | undefined;
}): ObjectStore {
  const endpoint = env.S3_ENDPOINT;
  return createS3ObjectStore(createS3Client({ region: env.AWS_REGION, ...(endpoint ? { endpoint } : {}) }), {
    localServer: endpoint !== undefined && isLocalS3Server(env),
  });
}
