import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import {
  type CloudEndpoints,
  localDynamoClient,
  localS3Client,
  readCloudState,
  redactUrl,
  serviceErrorMessage,
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

export interface ServiceCheck {
  name: string;
  ok: boolean;
  ms: number;
  /** Why it failed: the service, its address and what to do when nothing answered. */
  message?: string;
}

/** Checks each service answers a real request, printing one line each. */
export async function checkServices(e: CloudEndpoints): Promise<ServiceCheck[]> {
  const results: ServiceCheck[] = [];
  const check = async (name: string, probe: () => Promise<unknown>) => {
    const started = Date.now();
    try {
      await probe();
      results.push({ name, ok: true, ms: Date.now() - started });
      out(`  ok    ${name.padEnd(10)} ${Date.now() - started} ms`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({ name, ok: false, ms: Date.now() - started, message });
      out(`  FAIL  ${name.padEnd(10)} ${message}`);
    }
  };
  // Each request's failure is reported with the service it was for, never the bare socket error.
  const named = async (label: string, url: string, request: () => Promise<unknown>) => {
    try {
      return await request();
    } catch (error) {
      throw new Error(serviceErrorMessage(label, url, error));
    }
  };
  await check("postgres", async () => {
    for (const [label, url] of [
      ["PostgreSQL (totesys)", e.databaseUrl],
      ["PostgreSQL (warehouse)", e.warehouseUrl],
    ] as const) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      client.on("error", () => undefined);
      try {
        await named(label, url, async () => {
          await client.connect();
          await client.query("select 1");
        });
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  });
  await check("s3", async () => {
    const s3 = localS3Client(e);
    const Bucket = `check-${Date.now()}`;
    try {
      await named("S3", e.s3Endpoint, async () => {
        await s3.send(new CreateBucketCommand({ Bucket }));
        await s3.send(new DeleteBucketCommand({ Bucket }));
      });
    } finally {
      s3.destroy();
    }
  });
  await check("dynamodb", async () => {
    const dynamo = localDynamoClient(e);
    try {
      await named("DynamoDB", e.dynamodbEndpoint, () => dynamo.send(new ListTablesCommand({})));
    } finally {
      dynamo.destroy();
    }
  });
  return results;
}

export const up: Command = {
  name: "up",
  summary: "start the local services in the background (restarting dead ones) and print their endpoints",
  usage: "etl up [--data-dir DIR]",
  options: { "data-dir": { type: "string" } },
  async run({ values }) {
    const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
    const { state, alreadyRunning, recovered } = await startDetachedCloud({ dataDir });
    for (const line of recovered) out(line);
    out(
      `local cloud ${alreadyRunning ? "already running" : "running"} (pid ${state.pid}, postgres pid ${state.postgresPid ?? "?"}):`,
    );
    printEndpoints(state);
    return 0;
  },
};

export const down: Command = {
  name: "down",
  summary: "stop the local services started by `etl up` (PostgreSQL too when their supervisor died)",
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
    const failed = (await checkServices(endpoints)).filter((r) => !r.ok).map((r) => r.name);
    await started?.stop();
    if (failed.length > 0)
      err(`failed: ${failed.join(", ")}${running ? "; `etl up` restarts what is dead" : ""}`);
    return failed.length > 0 ? 1 : 0;
  },
};
