import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { localDynamoClient, localS3Client } from "../../src/services/clients";
import { type CloudServices, startCloudServices } from "../../src/services/cloud-services";
import { freePort, isPortTaken } from "../../src/services/ports";
import { postgresBinaries } from "../../src/services/postgres-binaries";
import { isAlive } from "../../src/services/postmaster";
import { ServiceStartError } from "../../src/services/types";

// The services started here, in the test's own process (the daemon runs the same code in its
// process, which coverage cannot see): PostgreSQL as a child postmaster, S3 and DynamoDB in-process.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "etl-services-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function stopAll(stoppers: (() => Promise<void>)[]): Promise<void> {
  for (const stop of stoppers.reverse()) await stop();
}

async function blockedPort(): Promise<{ port: number; close: () => void }> {
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  const address = blocker.address();
  return { port: typeof address === "object" && address ? address.port : 0, close: () => blocker.close() };
}

describe("startCloudServices", () => {
  const dataDir = tempDir();
  let first: CloudServices;

  it("starts PostgreSQL with both databases, S3 that spools real-shaped events, and DynamoDB", async () => {
    const stoppers: (() => Promise<void>)[] = [];
    try {
      const dynamoPort = await freePort();
      first = await startCloudServices(
        { dataDir, region: "eu-west-1", ports: { dynamodb: dynamoPort } },
        stoppers,
      );
      const { endpoints } = first;
      const db = new pg.Client({ connectionString: endpoints.warehouseUrl });
      await db.connect();
      const names = await db.query<{ datname: string }>(
        "select datname from pg_database where datname in ('totesys', 'warehouse') order by 1",
      );
      await db.end();
      const s3 = localS3Client(endpoints);
      await s3.send(new CreateBucketCommand({ Bucket: "spool" }));
      await s3.send(new PutObjectCommand({ Bucket: "spool", Key: "runs/a b.json", Body: "{}" }));
      const upload = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: "spool", Key: "runs/big.json" }),
      );
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: "spool",
          Key: "runs/big.json",
          UploadId: upload.UploadId,
          PartNumber: 1,
          Body: "{}",
        }),
      );
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "spool",
          Key: "runs/big.json",
          UploadId: upload.UploadId,
          MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
        }),
      );
      s3.destroy();
      const dynamo = localDynamoClient(endpoints);
      await dynamo.send(
        new CreateTableCommand({
          TableName: "etl-state",
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      const tables = await dynamo.send(new ListTablesCommand({}));
      dynamo.destroy();

      expect(names.rows.map((r) => r.datname)).toEqual(["totesys", "warehouse"]);
      expect(isAlive(first.postgresPid)).toBe(true);
      expect(endpoints).toMatchObject({
        dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
        region: "eu-west-1",
        dataDir,
        eventsDir: join(dataDir, "s3-events"),
      });
      const spooled = readdirSync(endpoints.eventsDir).filter((f) => f.endsWith(".json"));
      const events = spooled.map(
        (f) => JSON.parse(readFileSync(join(endpoints.eventsDir, f), "utf8")) as { Records: unknown[] },
      );
      expect(events.flatMap((e) => e.Records)).toContainEqual(
        expect.objectContaining({
          awsRegion: "eu-west-1",
          eventName: "ObjectCreated:Put",
          s3: expect.objectContaining({ object: expect.objectContaining({ key: "runs/a+b.json" }) }),
        }),
      );
      expect(events.flatMap((e) => e.Records)).toContainEqual(
        expect.objectContaining({
          eventName: "ObjectCreated:CompleteMultipartUpload",
          s3: expect.objectContaining({ object: expect.objectContaining({ key: "runs/big.json" }) }),
        }),
      );
      expect(tables.TableNames).toEqual(["etl-state"]);
    } finally {
      await stopAll(stoppers);
    }
    expect(isAlive(first.postgresPid)).toBe(false);
    expect(await isPortTaken(Number(new URL(first.endpoints.s3Endpoint).port))).toBe(false);
  });

  it("starts again on the same data and password, on the previous ports when they are free", async () => {
    const stoppers: (() => Promise<void>)[] = [];
    const portOf = (url: string) => Number(new URL(url).port);
    const previous = first.endpoints;
    try {
      const again = await startCloudServices(
        {
          dataDir,
          postgresBinaries: postgresBinaries(),
          preferredPorts: {
            postgres: portOf(previous.databaseUrl),
            s3: portOf(previous.s3Endpoint),
            dynamodb: portOf(previous.dynamodbEndpoint),
          },
        },
        stoppers,
      );

      expect(again.endpoints.databaseUrl).toBe(previous.databaseUrl);
      expect(again.endpoints.s3Endpoint).toBe(previous.s3Endpoint);
      expect(again.endpoints.dynamodbEndpoint).toBe(previous.dynamodbEndpoint);
      expect(again.endpoints.region).toBe("eu-west-2");
    } finally {
      await stopAll(stoppers);
    }
  });

  it("tells the operator how to restart PostgreSQL when it stops on its own, by signal or exit code", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const said = () =>
      stderr.mock.calls.map(([text]) => String(text)).filter((t) => t.startsWith("postgres:"));
    try {
      for (const [signal, report] of [
        ["SIGKILL", "SIGKILL"],
        // A smart shutdown: the server ends by itself, with exit code 0.
        ["SIGTERM", "code 0"],
      ] as const) {
        const stoppers: (() => Promise<void>)[] = [];
        try {
          const services = await startCloudServices({ dataDir }, stoppers);
          process.kill(services.postgresPid, signal);
          await vi.waitFor(() => expect(said()).toHaveLength(report === "SIGKILL" ? 1 : 2), {
            timeout: 20_000,
          });
        } finally {
          await stopAll(stoppers);
        }
      }
      expect(said()).toEqual([
        "postgres: exited unexpectedly (SIGKILL); run `etl up` to restart it\n",
        "postgres: exited unexpectedly (code 0); run `etl up` to restart it\n",
      ]);
    } finally {
      stderr.mockRestore();
    }
  }, 120_000);

  it("refuses a fixed port in use, naming it, and leaves the services it started for the caller to stop", async () => {
    const blocker = await blockedPort();
    const stoppers: (() => Promise<void>)[] = [];

    const started = startCloudServices({ dataDir, ports: { s3: blocker.port } }, stoppers);

    await expect(started).rejects.toBeInstanceOf(ServiceStartError);
    await expect(started).rejects.toThrow(`s3: port ${blocker.port} on 127.0.0.1 is already in use`);
    expect(stoppers).toHaveLength(1);
    await stopAll(stoppers);
    blocker.close();
  });

  it.each([
    ["no data folder", () => "", /^local-cloud: no data folder given$/],
    [
      "a data folder that cannot be made",
      () => {
        const file = join(tempDir(), "not-a-dir");
        writeFileSync(file, "x");
        return join(file, "data");
      },
      /^postgres: data folder .*not-a-dir\/data is not writable/,
    ],
  ])("refuses %s before starting anything", async (_name, dir, message) => {
    const stoppers: (() => Promise<void>)[] = [];

    const started = startCloudServices({ dataDir: dir() }, stoppers);

    await expect(started).rejects.toThrow(message);
    expect(stoppers).toEqual([]);
  });
});
