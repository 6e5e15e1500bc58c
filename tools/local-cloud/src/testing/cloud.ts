import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import pg from "pg";
import { inject } from "vitest";
import { localDynamoClient as clientForDynamo, localS3Client as clientForS3 } from "../services/clients";
import type { CloudEndpoints } from "../services/types";
import "./provided.d.ts";

/** The endpoints of the run's local cloud (see the global setup). */
export function cloud(): CloudEndpoints {
  return inject("cloud");
}

export { localCredentials } from "../services/clients";

/**
 * True when the run's S3 endpoint is the local cloud's s3rver: pass it as the S3 adapter's
 * `localServer` option. Never assume it from an endpoint being set.
 */
export function localS3Server(): boolean {
  return inject("localS3Server");
}

/** The variable a handler's environment needs to name the run's S3 endpoint as the local s3rver. */
export function localS3Env(): { ETL_LOCAL_S3?: "s3rver" } {
  return localS3Server() ? { ETL_LOCAL_S3: "s3rver" } : {};
}

/** An S3 client for the run's local S3 server. */
export function localS3Client(endpoints: CloudEndpoints = cloud()): S3Client {
  return clientForS3(endpoints);
}

/** A DynamoDB client for the run's local DynamoDB server. */
export function localDynamoClient(endpoints: CloudEndpoints = cloud()): DynamoDBClient {
  return clientForDynamo(endpoints);
}

/** Creates a bucket with a unique name, so tests never see each other's objects. */
export async function freshBucket(s3: S3Client, prefix = "test"): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** Creates an empty database on the run's PostgreSQL and returns its URL. */
export async function freshDatabase(prefix = "test", endpoints: CloudEndpoints = cloud()): Promise<string> {
  const name = `${prefix}_${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const admin = new pg.Client({ connectionString: endpoints.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(endpoints.databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
