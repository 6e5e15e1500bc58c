import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunningCloud } from "../services/local-cloud";
import type { CloudEndpoints, CloudOptions } from "../services/types";
import { provideCloud } from "./global-setup";

const given = {
  DATABASE_URL: "postgres://u:p@db:5432/totesys",
  WAREHOUSE_URL: "postgres://u:p@db:5432/warehouse",
  S3_ENDPOINT: "http://s3:9000",
  DYNAMODB_ENDPOINT: "http://dynamo:8000",
};

function recorder() {
  const provided: Record<string, unknown> = {};
  const started: CloudOptions[] = [];
  let stopped = 0;
  const start = async (options: CloudOptions): Promise<RunningCloud> => {
    started.push(options);
    const endpoints: CloudEndpoints = {
      ...{
        databaseUrl: "pg://a",
        warehouseUrl: "pg://b",
        s3Endpoint: "http://s",
        dynamodbEndpoint: "http://d",
      },
      region: "eu-west-2",
      eventsDir: join(options.dataDir, "s3-events"),
      dataDir: options.dataDir,
    };
    return {
      endpoints,
      pids: [],
      stop: async () => {
        stopped += 1;
      },
    };
  };
  const project = {
    provide: (key: string, value: unknown) => {
      provided[key] = value;
    },
  };
  return { provided, started, stopped: () => stopped, start, project };
}

describe("the test run's cloud", () => {
  it.each([
    [{ ...given, AWS_REGION: "us-east-1", ETL_LOCAL_S3: "s3rver" }, "us-east-1", true],
    [given, "eu-west-2", false],
  ])("uses the services the environment names, starting nothing (%#)", async (env, region, s3rver) => {
    const run = recorder();

    const teardown = await provideCloud(run.project, env, run.start);
    await teardown();

    expect(run.started).toEqual([]);
    expect(run.provided).toEqual({
      cloud: {
        databaseUrl: given.DATABASE_URL,
        warehouseUrl: given.WAREHOUSE_URL,
        s3Endpoint: given.S3_ENDPOINT,
        dynamodbEndpoint: given.DYNAMODB_ENDPOINT,
        region,
        eventsDir: "",
        dataDir: "",
      },
      localS3Server: s3rver,
    });
  });

  it("starts its own cloud in a temporary folder when one service is not named, and removes it after", async () => {
    const run = recorder();
    const { DYNAMODB_ENDPOINT: _, ...partial } = given;

    const teardown = await provideCloud(run.project, partial, run.start);
    const dataDir = run.started[0]?.dataDir ?? "";
    const existed = existsSync(dataDir);
    await teardown();

    expect(run.started).toEqual([
      { dataDir: expect.stringMatching(new RegExp(`^${join(tmpdir(), "etl-test-")}`)) },
    ]);
    expect(run.provided).toEqual({
      cloud: expect.objectContaining({ databaseUrl: "pg://a", dataDir }),
      localS3Server: true,
    });
    expect(existed).toBe(true);
    expect(run.stopped()).toBe(1);
    expect(existsSync(dataDir)).toBe(false);
  });
});
