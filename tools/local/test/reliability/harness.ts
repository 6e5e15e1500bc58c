import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { quoteIdent } from "@etl/db";
import { localDynamoClient, localS3Client, type RunningCloud, startLocalCloud } from "@etl/local-cloud";
import { createDynamoStateStore } from "@etl/ops/aws";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import {
  SOURCE_TABLE_NAMES,
  SOURCE_TABLES,
  STAR_COLUMNS,
  STAR_TABLE_NAMES,
  type StarTable,
} from "@etl/schemas";
import { seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import type { Command } from "../../src/cli/command";
import { preparePipeline, runCycle } from "../../src/cli/commands/pipeline";
import { type LocalEnvironment, openLocalEnvironment } from "../../src/environment";
import { type LocalPipeline, WAREHOUSE_GROUP } from "../../src/pipeline";
import { deliverS3Events, type NotificationRoute } from "../../src/runtime";
import { expectedStarSql, warehouseSql } from "../e2e/expected-star";
import { startTcpProxy, type TcpProxy } from "./faults";

/**
 * The reliability suite's world: one local cloud for the whole suite, and per scenario a world of
 * its own on it (an OLTP database cloned from one seeded template, an empty warehouse database,
 * its own buckets, DynamoDB tables, queues and handler modules), so scenarios never see each
 * other's runs, watermarks or ledger rows, and none pays for a second cloud.
 */

/** Sales orders in the seeded template: small, so a cycle takes a second or two. */
export const SCALE = 300;
const TEMPLATE = "reliability_template";

export interface Suite {
  cloud: RunningCloud;
  root: string;
  admin: pg.Client;
  scenarios: number;
}

function databaseUrl(base: string, database: string, port?: number): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  if (port !== undefined) url.port = String(port);
  return url.toString();
}

export async function startSuite(): Promise<Suite> {
  const root = mkdtempSync(join(tmpdir(), "etl-reliability-"));
  const cloud = await startLocalCloud({ dataDir: root });
  const admin = new pg.Client({ connectionString: databaseUrl(cloud.endpoints.databaseUrl, "postgres") });
  await admin.connect();
  await admin.query(`create database ${TEMPLATE}`);
  await seedDatabase({
    databaseUrl: databaseUrl(cloud.endpoints.databaseUrl, TEMPLATE),
    seed: 7,
    scale: SCALE,
  });
  return { cloud, root, admin, scenarios: 0 };
}

export async function stopSuite(suite: Suite | undefined): Promise<void> {
  if (!suite) return;
  await suite.admin.end();
  await suite.cloud.stop();
  rmSync(suite.root, { recursive: true, force: true });
}

/** One table of the warehouse that differs from the reference: counts and the first rows each way. */
export interface TableDifference {
  table: StarTable;
  expectedRows: number;
  warehouseRows: number;
  /** In the reference, not in the warehouse (or fewer times). */
  missing: Record<string, string | null>[];
  /** In the warehouse, not in the reference (or more times: a duplicate). */
  unexpected: Record<string, string | null>[];
}

/** A source row version at or below its table's watermark that no manifest-listed raw file holds. */
export interface UnreadRow {
  table: string;
  id: string;
  lastUpdated: string;
  watermark: string;
}

export interface ScenarioOptions {
  /** The handlers reach the warehouse through a TCP proxy the test can stop (a warehouse outage). */
  warehouseProxy?: boolean;
}

const SHOWN_ROWS = 5;
const TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.US";

export class Scenario {
  private versions: string[] = [];

  private constructor(
    readonly name: string,
    readonly local: LocalEnvironment,
    readonly pipeline: LocalPipeline,
    readonly oltp: pg.Client,
    /** A direct connection to the warehouse database (never through the proxy). */
    readonly warehouse: pg.Client,
    readonly warehouseProxy: TcpProxy | undefined,
    /** The warehouse database's URL, never through the proxy. */
    readonly warehouseUrl: string,
  ) {}

  /**
   * A new world on the suite's cloud. The handler modules are imported afresh (they read their
   * environment at cold start), pointed at this scenario's databases, buckets and tables.
   */
  static async open(suite: Suite, name: string, options: ScenarioOptions = {}): Promise<Scenario> {
    suite.scenarios += 1;
    const id = `r${suite.scenarios}`;
    const { endpoints } = suite.cloud;
    await suite.admin.query(`create database ${id}_oltp template ${TEMPLATE}`);
    await suite.admin.query(`create database ${id}_warehouse`);
    const oltpUrl = databaseUrl(endpoints.databaseUrl, `${id}_oltp`);
    const warehouseUrl = databaseUrl(endpoints.warehouseUrl, `${id}_warehouse`);
    let proxy: TcpProxy | undefined;
    if (options.warehouseProxy) {
      const pgUrl = new URL(warehouseUrl);
      proxy = await startTcpProxy(pgUrl.hostname, Number(pgUrl.port));
    }
    // The scenario's folder holds its queues and alerts; its s3-events is the cloud's spool, so
    // the `etl` commands given `--data-dir` find both, as they do on a developer's machine.
    const dataDir = join(suite.root, "scenarios", id);
    mkdirSync(dataDir, { recursive: true });
    symlinkSync(endpoints.eventsDir, join(dataDir, "s3-events"));
    Object.assign(process.env, {
      DATABASE_URL: oltpUrl,
      WAREHOUSE_URL: proxy ? databaseUrl(warehouseUrl, `${id}_warehouse`, proxy.port) : warehouseUrl,
      S3_ENDPOINT: endpoints.s3Endpoint,
      DYNAMODB_ENDPOINT: endpoints.dynamodbEndpoint,
      AWS_REGION: endpoints.region,
      INGEST_BUCKET: `${id}-ingest`,
      PROCESSED_BUCKET: `${id}-processed`,
      LANDING_BUCKET: `${id}-landing`,
      STATE_TABLE: `${id}-state`,
      AUDIT_TABLE: `${id}-audit`,
      FAILURE_TABLE: `${id}-failures`,
    });
    const local = await openLocalEnvironment(dataDir);
    vi.resetModules();
    const pipeline = await preparePipeline(local);
    const oltp = new pg.Client({ connectionString: oltpUrl });
    const warehouse = new pg.Client({ connectionString: warehouseUrl });
    await oltp.connect();
    await warehouse.connect();
    return new Scenario(name, local, pipeline, oltp, warehouse, proxy, warehouseUrl);
  }

  get dataDir(): string {
    return this.local.endpoints.dataDir;
  }

  get env(): Record<string, string> {
    return this.local.env;
  }

  /** One `etl run` cycle through the pipeline's own functions. */
  cycle() {
    return runCycle(this.pipeline, () => {});
  }

  /**
   * Keeps a copy of the OLTP tables as the last run saw them: facts keep every version the runs
   * saw, so the reference is the union of these copies and the current tables.
   */
  async snapshot(): Promise<string> {
    const schema = `seen_${this.versions.length + 1}`;
    await this.oltp.query(`create schema ${schema}`);
    for (const table of SOURCE_TABLE_NAMES)
      await this.oltp.query(
        `create table ${schema}.${quoteIdent(table)} as select * from public.${quoteIdent(table)}`,
      );
    this.versions.push(schema);
    return schema;
  }

  /** Runs an `etl` command in this process, as an operator would type it; returns its output. */
  async operator(command: Command, args: string[] = []): Promise<{ code: number; output: string }> {
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const flags = args.filter((a) => a.startsWith("--")).map((a) => a.slice(2));
      const values: Record<string, string | boolean> = { "data-dir": this.dataDir };
      for (const f of flags) values[f] = true;
      const code = await command.run({ values, positionals: args.filter((a) => !a.startsWith("--")) });
      return { code, output: lines.join("") };
    } finally {
      process.stdout.write = write;
    }
  }

  /** Messages waiting and dead-lettered in the scenario's queues. */
  queueDepth(): { pending: number; inflight: number; dead: number } {
    const total = { pending: 0, inflight: 0, dead: 0 };
    for (const queue of Object.values(this.pipeline.queues)) {
      const d = queue.depth();
      total.pending += d.pending;
      total.inflight += d.inflight;
      total.dead += d.dead;
    }
    return total;
  }

  /** The buckets' notification routes, as `createLocalPipeline` configures them. */
  routes(): NotificationRoute[] {
    const { queues } = this.pipeline;
    return [
      {
        bucket: this.env.INGEST_BUCKET ?? "",
        prefix: "runs/",
        suffix: ".json",
        queue: queues.transform,
        shape: "s3",
      },
      {
        bucket: this.env.PROCESSED_BUCKET ?? "",
        prefix: "runs/",
        suffix: ".json",
        queue: queues.load,
        shape: "eventbridge",
        groupId: WAREHOUSE_GROUP,
      },
      { bucket: this.env.LANDING_BUCKET ?? "", prefix: "landing/", queue: queues.files, shape: "s3" },
    ];
  }

  /** Routes every S3 notification spooled so far to the scenario's queues, without draining them. */
  deliver(): number {
    return deliverS3Events(this.local.endpoints.eventsDir, this.routes());
  }

  /**
   * What went wrong on the way, for a failure's message: the alerts the stages raised (subject
   * and detail), the handler errors the local queues saw, dead letters.
   */
  incidents(): string {
    const file = join(this.dataDir, "alerts.jsonl");
    const alerts = existsSync(file)
      ? readFileSync(file, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { subject?: string; message?: { detail?: unknown } })
          .map((a) => `${a.subject}: ${JSON.stringify(a.message?.detail ?? null).slice(0, 300)}`)
      : [];
    const errors = this.pipeline.errors.map((e) =>
      (e instanceof Error ? e.message : String(e)).slice(0, 300),
    );
    const dead = Object.values(this.pipeline.queues).flatMap((q) =>
      q.deadLetters().map((m) => `${q.name}: ${m.body.slice(0, 200)}`),
    );
    return [
      `scenario ${this.name}`,
      `alerts (${alerts.length}): ${alerts.slice(-5).join(" | ") || "none"}`,
      `handler errors (${errors.length}): ${errors.slice(-5).join(" | ") || "none"}`,
      `dead letters (${dead.length}): ${dead.slice(0, 3).join(" | ") || "none"}`,
    ].join("\n");
  }

  /**
   * Every star table that differs from the reference computed in SQL from the OLTP database.
   * `deletedAt` (a SQL timestamp expression) is when the scenario's deletions were detected;
   * `current` names the schema holding the tables as they are now (another than `public`: a copy
   * without the rows the pipeline holds in quarantine).
   */
  async differences(options: { deletedAt?: string; current?: string } = {}): Promise<TableDifference[]> {
    const { deletedAt, current = "public" } = options;
    const found: TableDifference[] = [];
    const versions = [...this.versions, current];
    for (const table of STAR_TABLE_NAMES) {
      const expected = await this.oltp.query<string[]>({
        text: expectedStarSql(table, versions, deletedAt),
        rowMode: "array",
      });
      const actual = await this.warehouse.query<string[]>({
        text: warehouseSql(table, "warehouse"),
        rowMode: "array",
      });
      const difference = compareRows(table, expected.rows, actual.rows);
      if (difference) found.push(difference);
    }
    return found;
  }

  /**
   * Source rows a watermark has moved past without any run having read them: for each table, the
   * current rows with `last_updated <= watermark` that no manifest-listed raw file holds. Empty
   * when no row was lost (data files no manifest lists belong to unfinished attempts and count
   * for nothing).
   */
  async unreadBelowWatermarks(): Promise<UnreadRow[]> {
    const dynamo = localDynamoClient(this.local.endpoints);
    const s3 = localS3Client(this.local.endpoints);
    try {
      const state = createDynamoStateStore({ client: dynamo, table: this.env.STATE_TABLE ?? "" });
      const names = SOURCE_TABLE_NAMES.map((t) => `watermark#${t}`);
      const marks = await state.getWatermarks(names);
      const store = createS3ObjectStore(s3, { localServer: true });
      const bucket = this.env.INGEST_BUCKET ?? "";
      const read = new Map<string, Set<string>>();
      for await (const object of store.list(bucket, "runs/")) {
        const manifest = JSON.parse(Buffer.from(await store.get(bucket, object.key)).toString("utf8")) as {
          tables: { table: string; files: { key: string }[] }[];
        };
        for (const entry of manifest.tables) {
          const seen = read.get(entry.table) ?? new Set<string>();
          read.set(entry.table, seen);
          const pk = SOURCE_TABLES[entry.table as keyof typeof SOURCE_TABLES];
          for (const file of entry.files) {
            const text = gunzipSync(await store.get(bucket, file.key)).toString("utf8");
            for (const line of text.split("\n").filter(Boolean)) {
              const row = JSON.parse(line) as Record<string, unknown>;
              seen.add(`${String(row[pk])}|${String(row.last_updated)}`);
            }
          }
        }
      }
      const unread: UnreadRow[] = [];
      for (const table of SOURCE_TABLE_NAMES) {
        const watermark = marks[`watermark#${table}`];
        if (!watermark) continue;
        const pk = quoteIdent(SOURCE_TABLES[table]);
        const { rows } = await this.oltp.query<{ id: string; last_updated: string }>(
          `select ${pk}::text as id, to_char(last_updated, '${TS_FORMAT}') as last_updated
             from public.${quoteIdent(table)} where last_updated <= $1::timestamp order by last_updated, ${pk}`,
          [watermark],
        );
        const seen = read.get(table) ?? new Set<string>();
        const missing = rows.filter((r) => !seen.has(`${r.id}|${r.last_updated}`));
        unread.push(
          ...missing
            .slice(0, SHOWN_ROWS)
            .map((r) => ({ table, id: r.id, lastUpdated: r.last_updated, watermark })),
        );
      }
      return unread;
    } finally {
      dynamo.destroy();
      s3.destroy();
    }
  }

  /** The star tables' contents and the load ledger, reduced to comparable digests. */
  async fingerprint(): Promise<Record<string, string>> {
    const digest: Record<string, string> = {};
    for (const table of STAR_TABLE_NAMES) {
      const { rows } = await this.warehouse.query<{ n: number; h: string }>(
        `select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h
           from (${warehouseSql(table, "warehouse")}) t`,
      );
      digest[table] = `${rows[0]?.n} rows, ${rows[0]?.h}`;
    }
    const runs = await this.warehouse.query<{ runs: string }>(
      "select coalesce(string_agg(run_id || ':' || status, ',' order by run_id), '') as runs from etl.load_runs",
    );
    const files = await this.warehouse.query<{ n: number }>(
      "select count(*)::int as n from etl.loaded_files",
    );
    digest["etl.load_runs"] = runs.rows[0]?.runs ?? "";
    digest["etl.loaded_files"] = `${files.rows[0]?.n} files`;
    return digest;
  }

  /** Backends of the warehouse database that belong to the run loader. */
  async loaderBackends(): Promise<
    { pid: number; state: string; waitEventType: string | null; query: string }[]
  > {
    const { rows } = await this.warehouse.query<{
      pid: number;
      state: string;
      wait_event_type: string | null;
      query: string;
    }>(
      `select pid, state, wait_event_type, query from pg_stat_activity
        where datname = current_database() and application_name = 'etl-load'`,
    );
    return rows.map((r) => ({
      pid: r.pid,
      state: r.state,
      waitEventType: r.wait_event_type,
      query: r.query,
    }));
  }

  async close(): Promise<void> {
    await this.oltp.end().catch(() => undefined);
    await this.warehouse.end().catch(() => undefined);
    // The databases stay until the suite's cloud stops: a handler module of this scenario may
    // still hold an idle connection to them.
    await this.warehouseProxy?.close();
  }
}

function compareRows(
  table: StarTable,
  expected: string[][],
  actual: string[][],
): TableDifference | undefined {
  const columns = STAR_COLUMNS[table].map((c) => c.name);
  const named = (row: string[]) => Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null]));
  const left = new Map<string, number>();
  for (const row of expected) {
    const key = JSON.stringify(row);
    left.set(key, (left.get(key) ?? 0) + 1);
  }
  const unexpected: string[][] = [];
  for (const row of actual) {
    const key = JSON.stringify(row);
    const n = left.get(key) ?? 0;
    if (n > 0) left.set(key, n - 1);
    else unexpected.push(row);
  }
  const missing: string[][] = [];
  for (const row of expected) {
    const key = JSON.stringify(row);
    const n = left.get(key) ?? 0;
    if (n > 0) {
      missing.push(row);
      left.set(key, n - 1);
    }
  }
  if (missing.length === 0 && unexpected.length === 0) return undefined;
  return {
    table,
    expectedRows: expected.length,
    warehouseRows: actual.length,
    missing: missing.slice(0, SHOWN_ROWS).map(named),
    unexpected: unexpected.slice(0, SHOWN_ROWS).map(named),
  };
}

/**
 * One local cloud for the test file, started before its tests and stopped after them; each test's
 * scenarios are closed when it ends. Returns the function that opens a scenario.
 */
export function useScenarios(): (name: string, options?: ScenarioOptions) => Promise<Scenario> {
  let suite: Suite | undefined;
  const open: Scenario[] = [];
  beforeAll(async () => {
    suite = await startSuite();
  }, 120_000);
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  afterAll(async () => {
    await stopSuite(suite);
  });
  return async (name, options = {}) => {
    if (!suite) throw new Error("the reliability suite has not started");
    const s = await Scenario.open(suite, name, options);
    open.push(s);
    return s;
  };
}
