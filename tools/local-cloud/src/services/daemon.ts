/**
 * The local cloud's process: PostgreSQL (embedded), an S3-compatible server and a
 * DynamoDB-compatible server, all on loopback. It runs in its own Node process because the S3
 * server's paginated listing needs `--openssl-legacy-provider` (its continuation token uses a
 * cipher OpenSSL 3 refuses by default), a flag only a process can be started with.
 *
 * Protocol with the parent: configuration in ETL_CLOUD_OPTIONS (JSON), one line
 * `READY <json state>` or `FAILED <json {service, message}>` on stdout, shutdown on SIGTERM,
 * SIGINT or (when started attached) the parent's IPC channel closing.
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
import { toRealS3EventRecord } from "./s3-event";
import { s3KeyGuard } from "./s3-key-guard";
import { type CloudOptions, type CloudState, type ServiceName, ServiceStartError } from "./types";

const options = JSON.parse(process.env.ETL_CLOUD_OPTIONS ?? "{}") as CloudOptions;
const region = options.region ?? "eu-west-2";
const dataDir = options.dataDir;
const stoppers: (() => Promise<void>)[] = [];

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

async function pickPort(service: ServiceName): Promise<number> {
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

function localPassword(): string {
  const file = join(dataDir, "postgres.password");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(12).toString("hex");
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

async function startPostgresService(): Promise<{ databaseUrl: string; warehouseUrl: string; pid: number }> {
  ensureWritable("postgres", dataDir);
  const port = await pickPort("postgres");
  const password = localPassword();
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

async function startS3(eventsDir: string): Promise<string> {
  const dir = join(dataDir, "s3");
  ensureWritable("s3", dir);
  mkdirSync(eventsDir, { recursive: true });
  const port = await pickPort("s3");
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
  server.on("event", (event: { Records: Parameters<typeof toRealS3EventRecord>[0][] }) => {
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

async function startDynamo(): Promise<string> {
  const dir = join(dataDir, "dynamodb");
  ensureWritable("dynamodb", dir);
  const port = await pickPort("dynamodb");
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

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const stop of stoppers.reverse()) {
    await stop().catch((error: unknown) => process.stderr.write(`stop failed: ${String(error)}\n`));
  }
  process.exit(code);
}

async function main(): Promise<void> {
  if (!dataDir) fail("local-cloud", "no data folder given");
  ensureWritable("postgres", dataDir);
  const eventsDir = join(dataDir, "s3-events");
  const postgres = await startPostgresService();
  const s3Endpoint = await startS3(eventsDir);
  const dynamodbEndpoint = await startDynamo();
  const state: CloudState = {
    pid: process.pid,
    databaseUrl: postgres.databaseUrl,
    warehouseUrl: postgres.warehouseUrl,
    s3Endpoint,
    dynamodbEndpoint,
    region,
    eventsDir,
    dataDir,
    startedAt: new Date().toISOString(),
    postgresPid: postgres.pid,
  };
  writeFileSync(join(dataDir, "state.json"), JSON.stringify(state, null, 2), { mode: 0o600 });
  ready = true;
  process.stdout.write(`READY ${JSON.stringify(state)}\n`);
}

let ready = false;

function reportFailure(error: unknown): void {
  const service = error instanceof ServiceStartError ? error.service : "local-cloud";
  const message =
    error instanceof Error ? error.message.replace(new RegExp(`^${service}: `), "") : String(error);
  process.stdout.write(`FAILED ${JSON.stringify({ service, message })}\n`);
}

// One service's unexpected error (an S3 request the server did not foresee, a socket fault)
// must not take the other services down: once serving, it is logged and the process goes on.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => {
    if (!ready) {
      reportFailure(error);
      void shutdown(1);
      return;
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${new Date().toISOString()} ${event} (still serving): ${text}\n`);
  });
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void shutdown(0));
process.on("disconnect", () => void shutdown(0));

main().catch(async (error: unknown) => {
  reportFailure(error);
  await shutdown(1);
});
