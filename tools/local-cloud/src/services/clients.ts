import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { CloudEndpoints } from "./types";

/** Local services accept any credentials; these are fixed so nothing real is ever picked up. */
export const localCredentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** An S3 client for the local S3-compatible server (path-style, local credentials). */
export function localS3Client(endpoints: Pick<CloudEndpoints, "s3Endpoint" | "region">): S3Client {
  return new S3Client({
    endpoint: endpoints.s3Endpoint,
    region: endpoints.region,
    forcePathStyle: true,
    credentials: localCredentials,
  });
}

/** A DynamoDB client for the local DynamoDB-compatible server. */
export function localDynamoClient(
  endpoints: Pick<CloudEndpoints, "dynamodbEndpoint" | "region">,
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: endpoints.dynamodbEndpoint,
    region: endpoints.region,
    credentials: localCredentials,
  });
}
