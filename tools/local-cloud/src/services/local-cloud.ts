import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
      for (const pid of pids.filter(isAlive)) process.kill(pid, "SIGKILL");
    },
  };
}

/** Reads the state of a cloud started with `etl up`, or undefined when none runs. */
export function readCloudState(dataDir: string): CloudState | undefined {
  const file = join(dataDir, "state.json");
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, "utf8")) as CloudState;
  return isAlive(state.pid) ? state : undefined;
}

/** Starts the local cloud in the background (`etl up`); it runs until `stopDetachedCloud`. */
export async function startDetachedCloud(options: CloudOptions): Promise<CloudState> {
  const running = readCloudState(options.dataDir);
  if (running) return running;
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, "local-cloud.log");
  const log = openSync(logFile, "a");
  const child = spawn(process.execPath, daemonArgs(), {
    cwd: packageRoot,
    env: { ...process.env, ETL_CLOUD_OPTIONS: JSON.stringify(options), NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", log],
    detached: true,
  });
  const state = await waitForReady(child, logFile);
  child.stdout?.destroy();
  child.unref();
  return state;
}

/** Stops a cloud started with `etl up`; resolves false when none was running. */
export async function stopDetachedCloud(dataDir: string): Promise<boolean> {
  const state = readCloudState(dataDir);
  if (!state) return false;
  const pids = [state.pid, ...(state.postgresPid ? [state.postgresPid] : [])];
  process.kill(state.pid, "SIGTERM");
  await waitForExit(pids, 20_000);
  for (const pid of pids.filter(isAlive)) process.kill(pid, "SIGKILL");
  rmSync(join(dataDir, "state.json"), { force: true });
  return true;
}

export { isAlive };
