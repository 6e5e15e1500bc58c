/**
 * The local cloud's three services, started in the calling process: PostgreSQL (embedded, as a
 * child postmaster), the S3-compatible server and the DynamoDB-compatible server, each on a
 * loopback port. The daemon (`daemon.ts`) runs them in a process of its own; tests start them in
 * theirs, so the code that starts them is measured like any other.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import dynalite from "dynalite";
import pg from "pg";
import S3rver from "s3rver";
import { freePort, isPortTaken } from "./ports";
import { startPostgres } from "./postgres";
import { type LocalS3EventRecord, toRealS3EventRecord } from "./s3-event";
import { s3KeyGuard } from "./s3-key-guard";
import { type CloudEndpoints, type CloudOptions, type ServiceName, ServiceStartError } from "./types";

function fail(service: ServiceName | "local-cloud", message: string): never {
  throw new ServiceStartError(service, message);
}

function ensureWritable(service: ServiceName, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    fail(
      service,
      `data folder ${dir} is not writable (${(error as Error).message}); choose another with --data-dir or fix its permissions`,
    );
  }
}

async function pickPort(options: CloudOptions, service: ServiceName): Promise<number> {
  const wanted = options.ports?.[service];
  if (wanted === undefined) {
    // The previous run's port keeps the endpoints stable across a restart, when it is free.
    const previous = options.preferredPorts?.[service];
    return previous !== undefined && !(await isPortTaken(previous)) ? previous : freePort();
  }
  if (await isPortTaken(wanted)) {
    fail(
      service,
      `port ${wanted} on 127.0.0.1 is already in use; stop what listens there or omit the fixed port to pick a free one`,
    );
  }
  return wanted;
}

function localPassword(dataDir: string): string {
  const file = join(dataDir, "postgres.password");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(12).toString("hex");
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

type Stoppers = (() => Promise<void>)[];

async function startPostgresService(
  options: CloudOptions,
  stoppers: Stoppers,
): Promise<{ databaseUrl: string; warehouseUrl: string; pid: number }> {
  const { dataDir } = options;
  ensureWritable("postgres", dataDir);
  const port = await pickPort(options, "postgres");
  const password = localPassword(dataDir);
  const server = await startPostgres({
    dataDir,
    port,
    password,
    ...(options.postgresBinaries ? { binaries: options.postgresBinaries } : {}),
    onExit: (code, signal) => {
      // Left dead, not restarted here: `etl up` sees it and restarts the local cloud.
      process.stderr.write(
        `postgres: exited unexpectedly (${signal ?? `code ${code}`}); run \`etl up\` to restart it\n`,
      );
    },
  });
  stoppers.push(() => server.stop());
  const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
  await admin.connect();
  for (const db of ["totesys", "warehouse"]) {
    const found = await admin.query("select 1 from pg_database where datname = $1", [db]);
    if (found.rowCount === 0) await admin.query(`create database ${db}`);
  }
  await admin.end();
  const url = (db: string) => `postgres://postgres:${password}@127.0.0.1:${port}/${db}`;
  return { databaseUrl: url("totesys"), warehouseUrl: url("warehouse"), pid: server.pid };
}

const requestContext = new AsyncLocalStorage<{ multipart: boolean }>();
let eventSequence = 0;

async function startS3(options: CloudOptions, eventsDir: string, stoppers: Stoppers): Promise<string> {
  const region = options.region ?? "eu-west-2";
  const dir = join(options.dataDir, "s3");
  ensureWritable("s3", dir);
  mkdirSync(eventsDir, { recursive: true });
  const port = await pickPort(options, "s3");
  const server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory: dir,
    vhostBuckets: false,
  });
  // Runs first for every request, so the event listener can tell a completed multipart upload
  // (POST ?uploadId=...) from a browser form upload: the server reports both as a Post.
  server.middleware.unshift(
    s3KeyGuard,
    (ctx: { method: string; query: Record<string, unknown> }, next: () => Promise<void>) =>
      requestContext.run({ multipart: ctx.method === "POST" && "uploadId" in ctx.query }, next),
  );
  server.on("event", (event: { Records: LocalS3EventRecord[] }) => {
    const multipart = requestContext.getStore()?.multipart ?? false;
    const records = event.Records.map((r) => toRealS3EventRecord(r, { region, multipart }));
    eventSequence += 1;
    const name = `${Date.now().toString().padStart(15, "0")}-${String(eventSequence).padStart(9, "0")}.json`;
    // Written then renamed, so a reader never sees half a file.
    writeFileSync(join(eventsDir, `.${name}`), JSON.stringify({ Records: records }));
    renameSync(join(eventsDir, `.${name}`), join(eventsDir, name));
  });
  try {
    await server.run();
  } catch (error) {
    fail("s3", `could not listen on 127.0.0.1:${port} (${(error as Error).message})`);
  }
  stoppers.push(() => server.close());
  return `http://127.0.0.1:${port}`;
}

async function startDynamo(options: CloudOptions, stoppers: Stoppers): Promise<string> {
  const dir = join(options.dataDir, "dynamodb");
  ensureWritable("dynamodb", dir);
  const port = await pickPort(options, "dynamodb");
  const server: Server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(new ServiceStartError("dynamodb", `could not listen on 127.0.0.1:${port} (${error.message})`)),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  stoppers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${port}`;
}

/** The running services: where they listen, and the postmaster's pid. */
export interface CloudServices {
  endpoints: CloudEndpoints;
  postgresPid: number;
}

/**
 * Starts PostgreSQL (with the databases `totesys` and `warehouse`), then S3, then DynamoDB.
 * Each started service adds its stop to `stoppers`, also when a later one fails to start, so the
 * caller stops what did start (in reverse order) whether or not the whole succeeded.
 */
export async function startCloudServices(options: CloudOptions, stoppers: Stoppers): Promise<CloudServices> {
  const { dataDir } = options;
  if (!dataDir) fail("local-cloud", "no data folder given");
  ensureWritable("postgres", dataDir);
  const eventsDir = join(dataDir, "s3-events");
  const postgres = await startPostgresService(options, stoppers);
  const s3Endpoint = await startS3(options, eventsDir, stoppers);
  const dynamodbEndpoint = await startDynamo(options, stoppers);
  return {
    endpoints: {
      databaseUrl: postgres.databaseUrl,
      warehouseUrl: postgres.warehouseUrl,
      s3Endpoint,
      dynamodbEndpoint,
      region: options.region ?? "eu-west-2",
      eventsDir,
      dataDir,
    },
    postgresPid: postgres.pid,
  };
}
