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
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCloudServices } from "./cloud-services";
import { type CloudOptions, type CloudState, ServiceStartError } from "./types";

const options = JSON.parse(process.env.ETL_CLOUD_OPTIONS ?? "{}") as CloudOptions;
const stoppers: (() => Promise<void>)[] = [];

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
  const { endpoints, postgresPid } = await startCloudServices(options, stoppers);
  const state: CloudState = {
    pid: process.pid,
    ...endpoints,
    startedAt: new Date().toISOString(),
    postgresPid,
  };
  writeFileSync(join(endpoints.dataDir, "state.json"), JSON.stringify(state, null, 2), { mode: 0o600 });
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
