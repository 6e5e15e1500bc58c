import { request } from "node:http";
import pg from "pg";
import type { CloudEndpoints, ServiceName } from "./types";

const NOT_ANSWERING = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ETIMEDOUT", "EPIPE"]);

/** True when the error (or one it wraps) says nothing answered at the address. */
export function isNotAnswering(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== "object" || seen.has(e)) return false;
    seen.add(e);
    const { code, errors, cause, message } = e as {
      code?: unknown;
      errors?: unknown;
      cause?: unknown;
      message?: unknown;
    };
    if (typeof code === "string" && NOT_ANSWERING.has(code)) return true;
    if (typeof message === "string" && /timeout expired|Connection terminated unexpectedly/i.test(message))
      return true;
    return (Array.isArray(errors) && errors.some(visit)) || visit(cause);
  };
  return visit(error);
}

/** `host:port` of a URL, without anything secret. */
export function addressOf(url: string): string {
  const u = new URL(url);
  const port =
    u.port ||
    (u.protocol === "https:"
      ? "443"
      : u.protocol === "postgres:" || u.protocol === "postgresql:"
        ? "5432"
        : "80");
  return `${u.hostname}:${port}`;
}

/**
 * The message for a request to a local service that failed: when nothing answered, it names the
 * service, its address and what to do; otherwise it names the service and the error.
 */
export function serviceErrorMessage(label: string, url: string, error: unknown): string {
  const address = addressOf(url);
  if (isNotAnswering(error)) return `${label} at ${address} is not answering: run \`etl up\``;
  return `${label} at ${address}: ${error instanceof Error ? error.message : String(error)}`;
}

export interface ServiceProbe {
  service: ServiceName;
  /** E.g. "PostgreSQL (warehouse)". */
  label: string;
  ok: boolean;
  ms: number;
  /** Why it failed (names the service, its address and what to do). */
  message?: string;
}

async function pgAnswers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Any HTTP answer counts: this asks whether the server is there, not what it holds. */
function httpAnswers(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", timeout: 5000 }, (res) => {
      res.resume();
      resolve();
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end();
  });
}

/** Asks each local service for a sign of life (PostgreSQL: `select 1` in both databases). */
export async function probeCloud(e: CloudEndpoints): Promise<ServiceProbe[]> {
  const checks: [ServiceName, string, string, (url: string) => Promise<void>][] = [
    ["postgres", "PostgreSQL (totesys)", e.databaseUrl, pgAnswers],
    ["postgres", "PostgreSQL (warehouse)", e.warehouseUrl, pgAnswers],
    ["s3", "S3", e.s3Endpoint, httpAnswers],
    ["dynamodb", "DynamoDB", e.dynamodbEndpoint, httpAnswers],
  ];
  return Promise.all(
    checks.map(async ([service, label, url, probe]) => {
      const started = Date.now();
      try {
        await probe(url);
        return { service, label, ok: true, ms: Date.now() - started };
      } catch (error) {
        return {
          service,
          label,
          ok: false,
          ms: Date.now() - started,
          message: serviceErrorMessage(label, url, error),
        };
      }
    }),
  );
}
