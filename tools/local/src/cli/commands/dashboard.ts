import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  createDashboard,
  createPostgresReader,
  createRedshiftReader,
  type Dashboard,
  type DeadLetterEntry,
  type FailureEntry,
  isLoopback,
  newToken,
  type PipelineRecords,
  parseFilters,
  startDashboardServer,
  type WarehouseReader,
  writeReportHtml,
} from "@etl/dashboard";
import { createConnectionResolver } from "@etl/db/credentials";
import { openLocalEnvironment } from "../../environment";
import { awsTarget, localTarget, type OperatorTarget, recentItems, schemaDriftRecords } from "../../operator";
import { openLocalQueues } from "../../pipeline";
import { listHeldRuns, quarantineDeps } from "../../quarantine";
import { CliError, type Command, defaultDataDir, err, integerOption, out, UsageError } from "../command";

const RECORDS_READ = 500;

/** The warehouse `--aws` names: a PostgreSQL secret or URL, else Redshift through the Data API. */
async function awsReader(env: Readonly<Record<string, string | undefined>>): Promise<WarehouseReader> {
  if (env.WAREHOUSE_SECRET_ARN) {
    const resolveConnection = createConnectionResolver(new SecretsManagerClient({ region: env.AWS_REGION }));
    return createPostgresReader({
      connection: await resolveConnection({ secretArn: env.WAREHOUSE_SECRET_ARN }),
    });
  }
  if (env.WAREHOUSE_URL) return createPostgresReader({ url: env.WAREHOUSE_URL });
  const workgroupName = env.REDSHIFT_WORKGROUP;
  const clusterIdentifier = env.REDSHIFT_CLUSTER_ID;
  if ((workgroupName || clusterIdentifier) && env.REDSHIFT_DATABASE)
    return createRedshiftReader({
      client: new RedshiftDataClient({ region: env.AWS_REGION ?? "eu-west-2" }),
      target: {
        database: env.REDSHIFT_DATABASE,
        ...(workgroupName ? { workgroupName } : { clusterIdentifier }),
        ...(env.REDSHIFT_SECRET_ARN ? { secretArn: env.REDSHIFT_SECRET_ARN } : {}),
      },
    });
  throw new UsageError(
    "--aws needs the deployed warehouse: WAREHOUSE_SECRET_ARN or WAREHOUSE_URL (PostgreSQL), or REDSHIFT_WORKGROUP (or REDSHIFT_CLUSTER_ID) and REDSHIFT_DATABASE",
  );
}

/** Failure items, newest first, and the runs whose rows the transform held back. */
function failureRecords(target: OperatorTarget): Pick<PipelineRecords, "failures" | "quarantined"> {
  const table = target.env.FAILURE_TABLE ?? "";
  // No failure table yet: nothing has failed (the pipeline creates it on its first run).
  const read = () =>
    recentItems(target, table, RECORDS_READ).catch((error: unknown) => {
      if ((error as { name?: string }).name === "ResourceNotFoundException") return [];
      throw error;
    });
  const text = (v: unknown) => (v === undefined || v === null ? "" : String(v));
  return {
    failures: async () =>
      (await read()).map(
        (i): FailureEntry => ({
          at: text(i.at),
          stage: text(i.stage),
          runId: text(i.runId),
          error: text(i.error),
          ...(i.table ? { table: text(i.table) } : {}),
          ...(i.key ? { key: text(i.key) } : {}),
        }),
      ),
    quarantined: async () =>
      (await listHeldRuns(quarantineDeps(target))).map((r) => ({
        stage: "transform",
        runId: r.runId,
        key: `${Object.entries(r.tables)
          .map(([table, rows]) => `${table} ${rows}`)
          .join(", ")}${r.retried ? " (retried)" : ""}`,
        rows: r.rows,
      })),
  };
}

function localDeadLetters(dataDir: string): () => Promise<DeadLetterEntry[]> {
  return async () =>
    Object.values(openLocalQueues(dataDir)).map((queue) => {
      const dead = queue.deadLetters();
      return { queue: queue.name, count: dead.length };
    });
}

/**
 * The dashboard over the local warehouse (its services started for the command when none run)
 * or, with `--aws`, the deployed one; `use` runs with it and the services stop after.
 */
async function withDashboard<T>(
  values: Record<string, string | boolean | undefined>,
  use: (dashboard: Dashboard, reader: WarehouseReader) => Promise<T>,
): Promise<T> {
  const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
  if (values.aws === true) {
    const reader = await awsReader(process.env);
    let records: PipelineRecords = {};
    try {
      const target = awsTarget();
      records = { ...failureRecords(target), drift: () => schemaDriftRecords(target) };
    } catch (error) {
      err(`failure records not read: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      return await use(createDashboard({ reader, records }), reader);
    } finally {
      await reader.close();
    }
  }
  const local = await openLocalEnvironment(dataDir);
  const reader = createPostgresReader({ url: local.env.WAREHOUSE_URL ?? "" });
  try {
    const target = localTarget(local);
    const records: PipelineRecords = {
      ...failureRecords(target),
      drift: () => schemaDriftRecords(target),
      deadLetters: localDeadLetters(local.endpoints.dataDir),
    };
    return await use(createDashboard({ reader, records }), reader);
  } finally {
    await reader.close();
    await local.close();
  }
}

const sourceOptions = { "data-dir": { type: "string" as const }, aws: { type: "boolean" as const } };

export const dashboard: Command = {
  name: "dashboard",
  summary: "charts of the warehouse and of the pipeline's health in the browser, live",
  usage:
    "etl dashboard [--port N] [--host H] [--token T] [--aws] [--data-dir DIR]\n\n" +
    "  Serves the Sales, Purchases, Payments and Pipeline health pages on 127.0.0.1 and prints the\n" +
    "  URL; Ctrl-C stops it. Every query runs in a read-only transaction.\n" +
    "  --port N   the port (default 8377; 0 takes a free one)\n" +
    "  --host H   listen on another address: the dashboard then needs a token, printed once\n" +
    "  --token T  the token to require (default: a new random one when --host is not loopback)\n" +
    "  --aws      the deployed warehouse: WAREHOUSE_SECRET_ARN or WAREHOUSE_URL, or Redshift\n" +
    "             (REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID, REDSHIFT_DATABASE, REDSHIFT_SECRET_ARN)",
  options: {
    ...sourceOptions,
    port: { type: "string" },
    host: { type: "string" },
    token: { type: "string" },
  },
  async run({ values }) {
    const host = (values.host as string | undefined) ?? "127.0.0.1";
    const port = integerOption(values.port, "port", 0, 8377);
    if (port > 65_535) throw new UsageError(`--port must be at most 65535, got ${port}`);
    const token = (values.token as string | undefined) ?? (isLoopback(host) ? undefined : newToken());
    return withDashboard(values, async (board) => {
      out("reading the warehouse...");
      await board.warm().catch(() => undefined);
      let server: Awaited<ReturnType<typeof startDashboardServer>>;
      try {
        server = await startDashboardServer({ dashboard: board, host, port, ...(token ? { token } : {}) });
      } catch (error) {
        throw new CliError(
          `the dashboard could not listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      out(`dashboard: ${server.url}`);
      if (token) out("  the URL carries the access token (or send it as Authorization: Bearer <token>)");
      out("  Ctrl-C stops it");
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          done();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await server.close();
      return 0;
    });
  },
};

export const report: Command = {
  name: "report",
  summary: "write the dashboard's pages as one self-contained HTML file: etl report --out report.html",
  usage:
    "etl report --out FILE [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--currency CODE] [--aws] [--data-dir DIR]\n\n" +
    "  Every page in one file that opens offline (charts, scripts and styles inside it).",
  options: {
    ...sourceOptions,
    out: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    currency: { type: "string" },
  },
  async run({ values }) {
    const file = values.out as string | undefined;
    if (!file) throw new UsageError("give the file to write: --out report.html");
    const search = new URLSearchParams();
    for (const key of ["from", "to", "currency"]) {
      const v = values[key];
      if (typeof v === "string") search.set(key, v);
    }
    const { filters, problems } = parseFilters(search);
    if (problems.length > 0) throw new UsageError(problems.join("; "));
    return withDashboard(values, async (board) => {
      const html = await writeReportHtml(board, filters);
      const path = resolve(file);
      writeFileSync(path, html);
      out(`report written: ${path} (${Math.round(html.length / 1024)} KiB, opens offline)`);
      return 0;
    });
  },
};
