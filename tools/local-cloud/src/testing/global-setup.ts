/**
 * Vitest global setup: gives the test run its own local cloud (PostgreSQL, S3, DynamoDB on free
 * loopback ports, data in a temporary folder) and stops it when the run ends. When
 * DATABASE_URL, WAREHOUSE_URL, S3_ENDPOINT and DYNAMODB_ENDPOINT are all set, those services are
 * used instead and nothing is started; then the S3 endpoint counts as the local s3rver (whose
 * quirks the S3 adapter works around) only with ETL_LOCAL_S3=s3rver, so an S3 that behaves like
 * AWS (moto, MinIO) gets the requests AWS gets.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type RunningCloud, startLocalCloud } from "../services/local-cloud";
import type { CloudOptions } from "../services/types";

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return provideCloud(project, process.env, startLocalCloud);
}

/** The setup itself, given the environment and how to start a cloud (the tests pass a stand-in). */
export async function provideCloud(
  project: Pick<TestProject, "provide">,
  env: NodeJS.ProcessEnv,
  start: (options: CloudOptions) => Promise<RunningCloud>,
): Promise<() => Promise<void>> {
  if (env.DATABASE_URL && env.WAREHOUSE_URL && env.S3_ENDPOINT && env.DYNAMODB_ENDPOINT) {
    project.provide("cloud", {
      databaseUrl: env.DATABASE_URL,
      warehouseUrl: env.WAREHOUSE_URL,
      s3Endpoint: env.S3_ENDPOINT,
      dynamodbEndpoint: env.DYNAMODB_ENDPOINT,
      region: env.AWS_REGION ?? "eu-west-2",
      eventsDir: "",
      dataDir: "",
    });
    project.provide("localS3Server", env.ETL_LOCAL_S3 === "s3rver");
    return async () => {};
  }
  const dataDir = mkdtempSync(join(tmpdir(), "etl-test-"));
  const cloud = await start({ dataDir });
  project.provide("cloud", cloud.endpoints);
  project.provide("localS3Server", true);
  return async () => {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  };
}
