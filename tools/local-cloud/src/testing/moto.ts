import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../services/ports";

/** A `moto_server` (a second implementation of the AWS APIs) on a free loopback port. */
export interface MotoServer {
  /** `http://127.0.0.1:PORT`: one endpoint for every service (S3, SQS, SNS, DynamoDB, ...). */
  endpoint: string;
  region: string;
  /** moto accepts any credentials; fixed ones keep real ones out of play. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops the process and waits until it has exited. */
  stop(): Promise<void>;
}

const STARTUP_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts `moto_server -H 127.0.0.1 -p PORT` (from the PATH) for one test file and resolves when it
 * answers. Call `stop` in `afterAll`: no process is left behind. A missing `moto_server` rejects
 * with a message saying how to install it.
 *
 * @example
 * let moto: MotoServer;
 * beforeAll(async () => { moto = await startMoto(); });
 * afterAll(() => moto.stop());
 */
export async function startMoto(region = "eu-west-2"): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-2_000);
  });
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const done = exited(child);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await done;
    clearTimeout(timer);
  };
  const deadline = Date.now() + STARTUP_MS;
  while (!(await answers(endpoint))) {
    if (spawnError !== undefined)
      throw new Error(
        `moto_server could not be started (${spawnError.message}); install it with pip install "moto[server]"`,
      );
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server on port ${port} did not start: ${stderr.trim() || "no output"}`);
    }
    await sleep(200);
  }
  return {
    endpoint,
    region,
    credentials: { accessKeyId: "moto", secretAccessKey: "moto" },
    stop,
  };
}
