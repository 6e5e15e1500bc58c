import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import {
  type CloudEndpoints,
  localDynamoClient,
  localS3Client,
  readCloudState,
  redactUrl,
  startDetachedCloud,
  startLocalCloud,
  stopDetachedCloud,
} from "@etl/local-cloud";
import pg from "pg";
import { type Command, defaultDataDir, err, out } from "../command";

function printEndpoints(e: CloudEndpoints): void {
  out(`  postgres (totesys)    ${redactUrl(e.databaseUrl)}`);
  out(`  postgres (warehouse)  ${redactUrl(e.warehouseUrl)}`);
  out(`  s3                    ${e.s3Endpoint}`);
  out(`  dynamodb              ${e.dynamodbEndpoint}`);
  out(`  region                ${e.region}`);
  out(`  data                  ${e.dataDir} (full URLs in state.json)`);
}

/** Checks each service answers a real request; returns the names of those that do not. */
export async function checkServices(e: CloudEndpoints): Promise<string[]> {
  const failed: string[] = [];
  const check = async (name: string, probe: () => Promise<unknown>) => {
    const started = Date.now();
    try {
      await probe();
      out(`  ok    ${name.padEnd(10)} ${Date.now() - started} ms`);
    } catch (error) {
      failed.push(name);
      out(`  FAIL  ${name.padEnd(10)} ${(error as Error).message}`);
    }
  };
  await check("postgres", async () => {
    for (const url of [e.databaseUrl, e.warehouseUrl]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("select 1");
      await client.end();
    }
  });
  await check("s3", async () => {
    const s3 = localS3Client(e);
    const Bucket = `check-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new DeleteBucketCommand({ Bucket }));
    s3.destroy();
  });
  await check("dynamodb", async () => {
    const dynamo = localDynamoClient(e);
    await dynamo.send(new ListTablesCommand({}));
    dynamo.destroy();
  });
  return failed;
}

export const up: Command = {
  name: "up",
  summary: "start the local services in the background and print their endpoints",
  usage: "etl up [--data-dir DIR]",
  options: { "data-dir": { type: "string" } },
  async run({ values }) {
    const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
    const state = await startDetachedCloud({ dataDir });
    out(`local cloud running (pid ${state.pid}):`);
    printEndpoints(state);
    return 0;
  },
};

export const down: Command = {
  name: "down",
  summary: "stop the local services started by `etl up`",
  usage: "etl down [--data-dir DIR]",
  options: { "data-dir": { type: "string" } },
  async run({ values }) {
    const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
    out((await stopDetachedCloud(dataDir)) ? "local cloud stopped" : "no local cloud was running");
    return 0;
  },
};

export const check: Command = {
  name: "check",
  summary: "start the local services (unless running), check each one, stop what was started",
  usage: "etl check [--data-dir DIR]",
  options: { "data-dir": { type: "string" } },
  async run({ values }) {
    const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
    const running = readCloudState(dataDir);
    const started = running ? undefined : await startLocalCloud({ dataDir });
    const endpoints = running ?? started?.endpoints;
    if (!endpoints) return 1;
    out(running ? "using the running local cloud:" : "local cloud started:");
    printEndpoints(endpoints);
    out("checks:");
    const failed = await checkServices(endpoints);
    await started?.stop();
    if (failed.length > 0) err(`failed: ${failed.join(", ")}`);
    return failed.length > 0 ? 1 : 0;
  },
};
