import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http, { type IncomingHttpHeaders } from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Faults injected from outside the code under test: a real handler in a child process that the
 * test kills with SIGKILL at a chosen request, and a TCP proxy in front of the warehouse that
 * the test can stop and start like the database server itself. Nothing here reaches into
 * production code: the handlers see only their environment and their network.
 */

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, "../..");

export type Stage = "ingest" | "transform" | "load";

/** One request the child sent to S3 or DynamoDB, as the proxy saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * `pass` forwards the request; `kill-before` kills the child before the request reaches the
 * service; `kill-after` lets the service carry it out, then kills the child before it can learn
 * the outcome (the classic crash after a write).
 */
export type Verdict = "pass" | "kill-before" | "kill-after";

export interface FaultProxy {
  url: string;
  close(): Promise<void>;
}

/** An HTTP proxy in front of one service; `decide` sees every request in order. */
export async function startFaultProxy(
  upstream: string,
  decide: (request: SeenRequest) => Verdict | Promise<Verdict>,
  kill: () => Promise<void>,
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      void (async () => {
        const seen = {
          method: req.method ?? "GET",
          path: req.url ?? "/",
          headers: req.headers,
          body: body.toString("utf8"),
        };
        const verdict = await decide(seen);
        if (verdict === "kill-before") {
          await kill();
          req.socket.destroy();
          return;
        }
        const forwarded = http.request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            // The Host header travels unchanged (the request's signature covers it); Expect is
            // never signed, and the body is here whole already.
            headers: withoutExpect(req.headers),
          },
          (upstreamRes) => {
            const parts: Buffer[] = [];
            upstreamRes.on("data", (c: Buffer) => parts.push(c));
            upstreamRes.on("end", () => {
              void (async () => {
                if (verdict === "kill-after") {
                  await kill();
                  req.socket.destroy();
                  return;
                }
                const payload = Buffer.concat(parts);
                const headers = { ...upstreamRes.headers };
                if (req.method !== "HEAD") {
                  delete headers["transfer-encoding"];
                  headers["content-length"] = String(payload.length);
                }
                res.writeHead(upstreamRes.statusCode ?? 502, headers);
                res.end(req.method === "HEAD" ? undefined : payload);
              })();
            });
          },
        );
        forwarded.on("error", () => req.socket.destroy());
        forwarded.end(body);
      })().catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function withoutExpect(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { expect: _expect, ...rest } = headers;
  return rest;
}

/** A TCP proxy to the warehouse's PostgreSQL: `stop` is the server going down, `start` coming back. */
export interface TcpProxy {
  port: number;
  /** Refuses new connections and drops every open one. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * From the first client packet that `matches` on (that packet still goes through), holds
   * everything that client sends next: a statement that streams its input, like COPY FROM
   * STDIN, stays running on the server for as long as the test wants.
   */
  holdAfter(matches: (packet: Buffer) => boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  let holdRule: ((packet: Buffer) => boolean) | undefined;
  const listen = async () => {
    const created = net.createServer((client) => {
      const upstream = net.connect(targetPort, targetHost);
      sockets.add(client);
      sockets.add(upstream);
      let holding = false;
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.on("data", (packet: Buffer) => {
        if (holding) return;
        upstream.write(packet);
        if (holdRule?.(packet)) holding = true;
      });
      upstream.pipe(client);
    });
    await new Promise<void>((r) => created.listen(port, "127.0.0.1", () => r()));
    port = (created.address() as net.AddressInfo).port;
    server = created;
  };
  const stop = async () => {
    const current = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (current) await new Promise<void>((r) => current.close(() => r()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    stop,
    start: async () => {
      if (!server) await listen();
    },
    holdAfter(matches) {
      holdRule = matches;
    },
    close: stop,
  };
}

export interface ChildOutcome {
  /** True when the test killed the child; false when it ran to its end. */
  killed: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the handler returned, when it finished. */
  result?: unknown;
  stderr: string;
}

export interface HandlerChild {
  pid: number;
  /** SIGKILL, then waits for the process to be gone. */
  kill(): Promise<void>;
  outcome: Promise<ChildOutcome>;
}

/**
 * Runs the real handler of `stage` in its own Node process (`handler-child.ts`), with exactly
 * the environment given, on `event`, as a Lambda invocation would.
 */
export function spawnHandler(stage: Stage, env: Record<string, string>, event: unknown): HandlerChild {
  const dir = mkdtempSync(join(tmpdir(), "etl-child-"));
  const eventFile = join(dir, "event.json");
  writeFileSync(eventFile, JSON.stringify(event));
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(here, "handler-child.ts"), stage, eventFile],
    {
      cwd: packageRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_OPTIONS: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  let killed = false;
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  const outcome = exited.then(({ code, signal }) => {
    rmSync(dir, { recursive: true, force: true });
    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    return {
      killed,
      code,
      signal,
      ...(line ? { result: JSON.parse(line.slice(7)) as unknown } : {}),
      stderr,
    };
  });
  return {
    pid: child.pid ?? -1,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killed = true;
      child.kill("SIGKILL");
      await exited;
    },
    outcome,
  };
}

/** Polls `check` every 20 ms until it returns a value, or fails after `timeoutMs` saying `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
