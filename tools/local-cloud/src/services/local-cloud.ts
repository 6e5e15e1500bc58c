import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isAlive, isPostmasterOf, runningPostmaster, stopPostmaster } from "./postmaster";
import { probeCloud } from "./probe";
import { signalProcess } from "./signal";
import { type CloudEndpoints, type CloudOptions, type CloudState, ServiceStartError } from "./types";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, "../..");

export interface RunningCloud {
  endpoints: CloudEndpoints;
  /** Process ids this cloud started (the supervisor and PostgreSQL's postmaster). */
  pids: number[];
  stop(): Promise<void>;
}

function daemonArgs(): string[] {
  return ["--openssl-legacy-provider", "--import", "tsx", join(here, "daemon.ts")];
}

function waitForReady(child: ChildProcess, logFile?: string): Promise<CloudState> {
  return new Promise((resolvePromise, reject) => {
    let buffered = "";
    let stderr = "";
    const onLine = (line: string) => {
      if (line.startsWith("READY ")) resolvePromise(JSON.parse(line.slice(6)) as CloudState);
      if (line.startsWith("FAILED ")) {
        const { service, message } = JSON.parse(line.slice(7)) as { service: "postgres"; message: string };
        reject(new ServiceStartError(service, message.replace(new RegExp(`^${service}: `), "")));
      }
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once("exit", (code) => {
      const where = logFile ? ` (log: ${logFile})` : "";
      reject(
        new ServiceStartError(
          "local-cloud",
          `exited with code ${code} before it was ready${where}: ${stderr.trim()}`,
        ),
      );
    });
  });
}

async function waitForExit(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Starts PostgreSQL, the S3-compatible and the DynamoDB-compatible servers on free loopback ports,
 * tied to this process: they stop when `stop()` is called or when this process exits.
 */
export async function startLocalCloud(options: CloudOptions): Promise<RunningCloud> {
  mkdirSync(options.dataDir, { recursive: true });
  const child = spawn(process.execPath, daemonArgs(), {
    cwd: packageRoot,
    env: { ...process.env, ETL_CLOUD_OPTIONS: JSON.stringify(options), NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const state = await waitForReady(child);
  child.stdout?.removeAllListeners("data");
  child.removeAllListeners("exit");
  const pids = [state.pid, ...(state.postgresPid ? [state.postgresPid] : [])];
  let stopped = false;
  return {
    endpoints: state,
    pids,
    async stop() {
      if (stopped) return;
      stopped = true;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
      await waitForExit(pids, 10_000);
      for (const pid of pids.filter(isAlive)) signalProcess(pid, "SIGKILL");
    },
  };
}

function readStateFile(dataDir: string): CloudState | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, "state.json"), "utf8")) as CloudState;
  } catch {
    // Missing, or cut short by a crash while written: as good as none.
    return undefined;
  }
}

/** Reads the state of a cloud started with `etl up`, or undefined when its supervisor is gone. */
export function readCloudState(dataDir: string): CloudState | undefined {
  const state = readStateFile(dataDir);
  return state && isAlive(state.pid) ? state : undefined;
}

function portOf(url: string): number | undefined {
  const port = Number(new URL(url).port);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

export interface DetachedStart {
  state: CloudState;
  /** True when a healthy cloud was already running and was left as it was. */
  alreadyRunning: boolean;
  /** What was found dead or stale and recovered, one line each. */
  recovered: string[];
}

/**
 * Starts the local cloud in the background (`etl up`); it runs until `stopDetachedCloud`. When
 * one runs already, each service is asked for a sign of life; if any is dead, or the supervisor
 * is gone (killed, machine restarted), what is left is stopped by its recorded pids and the cloud
 * starts again on the same data and, when free, the same ports.
 */
export async function startDetachedCloud(options: CloudOptions): Promise<DetachedStart> {
  const recovered: string[] = [];
  const previous = readStateFile(options.dataDir);
  if (previous && isAlive(previous.pid)) {
    const dead = (await probeCloud(previous)).filter((p) => !p.ok);
    if (dead.length === 0) return { state: previous, alreadyRunning: true, recovered };
    recovered.push(...dead.map((p) => p.message ?? p.label), "restarted the local cloud");
  } else if (previous) {
    recovered.push(`the local cloud's supervisor (pid ${previous.pid}) was gone: started it again`);
  }
  if (previous || runningPostmaster(join(options.dataDir, "postgres")))
    await stopDetachedCloud(options.dataDir);
  const preferredPorts = previous
    ? {
        postgres: portOf(previous.databaseUrl),
        s3: portOf(previous.s3Endpoint),
        dynamodb: portOf(previous.dynamodbEndpoint),
      }
    : undefined;
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, "local-cloud.log");
  const log = openSync(logFile, "a");
  const daemonOptions: CloudOptions = { ...options, ...(preferredPorts ? { preferredPorts } : {}) };
  const child = spawn(process.execPath, daemonArgs(), {
    cwd: packageRoot,
    env: { ...process.env, ETL_CLOUD_OPTIONS: JSON.stringify(daemonOptions), NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", log],
    detached: true,
  });
  const state = await waitForReady(child, logFile);
  child.stdout?.destroy();
  child.unref();
  return { state, alreadyRunning: false, recovered };
}

/**
 * Stops a cloud started with `etl up`, by the pids it recorded: the supervisor, and PostgreSQL
 * even when the supervisor was killed and left it running. Resolves false when nothing ran.
 */
export async function stopDetachedCloud(dataDir: string): Promise<boolean> {
  const state = readStateFile(dataDir);
  const cluster = join(dataDir, "postgres");
  let stopped = false;
  if (state && isAlive(state.pid)) {
    signalProcess(state.pid, "SIGTERM");
    await waitForExit([state.pid], 20_000);
    if (isAlive(state.pid)) signalProcess(state.pid, "SIGKILL");
    stopped = true;
  }
  // The recorded pid is trusted only while it is this cluster's postmaster (pids are reused);
  // its own lock file names it too when the state file is gone.
  for (const pid of new Set([state?.postgresPid, runningPostmaster(cluster)])) {
    if (pid === undefined || !isPostmasterOf(pid, cluster)) continue;
    await stopPostmaster(pid);
    stopped = true;
  }
  rmSync(join(dataDir, "state.json"), { force: true });
  return stopped;
}

export { isAlive };
