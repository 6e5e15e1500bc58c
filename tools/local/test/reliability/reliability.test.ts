import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createFileRulesRepository, FileRuleSchema } from "@etl/db/rules";
import { localS3Client } from "@etl/local-cloud";
import { applyChanges } from "@etl/synthetic";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/commands/pipeline";
import { replay } from "../../src/cli/commands/replay";
import { createdRecordFor, localTarget } from "../../src/operator";
import { scheduledEvent, WAREHOUSE_GROUP } from "../../src/pipeline";
import {
  drainQueue,
  type FileQueue,
  type QueueMessage,
  type SqsHandler,
  toSqsEvent,
} from "../../src/runtime";
import {
  type SeenRequest,
  type Stage,
  spawnHandler,
  startFaultProxy,
  startTcpProxy,
  type Verdict,
  waitFor,
} from "./faults";
import { Scenario, type Suite, startSuite, stopSuite } from "./harness";

/**
 * The pipeline under the faults production meets: duplicate and out-of-order deliveries, a
 * process killed at every step, a writer's transaction open across runs, the warehouse going
 * down in the middle of a load. Each scenario runs on a world of its own and ends the same way:
 * the warehouse equals the star schema computed in SQL from the OLTP database (every fact
 * version the runs saw, the newest dimension rows), no watermark has moved past a row no run
 * read, and nothing is left in a queue or a dead-letter folder.
 */

let suite: Suite;
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

async function scenario(name: string, options: { warehouseProxy?: boolean } = {}): Promise<Scenario> {
  const s = await Scenario.open(suite, name, options);
  open.push(s);
  return s;
}

/** A day of inserts and updates in the scenario's OLTP database. */
async function dayOfChanges(s: Scenario, seed: number): Promise<void> {
  await applyChanges({ databaseUrl: s.env.DATABASE_URL ?? "", seed });
}

/**
 * What an operator does after an incident, until the queues are empty: `etl replay
 * --dead-letters` while anything is dead-lettered, `etl run` while anything waits.
 */
async function operatorRecovers(s: Scenario): Promise<void> {
  for (let round = 0; round < 8; round++) {
    const depth = s.queueDepth();
    if (depth.dead > 0) await s.operator(replay, ["--dead-letters"]);
    else if (depth.pending + depth.inflight > 0) await s.operator(run);
    else break;
  }
}

/** The end state every scenario must reach. */
async function endState(s: Scenario) {
  return {
    differences: await s.differences(),
    unreadBelowWatermarks: await s.unreadBelowWatermarks(),
    queues: s.queueDepth(),
  };
}

const SETTLED = {
  differences: [],
  unreadBelowWatermarks: [],
  queues: { pending: 0, inflight: 0, dead: 0 },
};

/** The run id a load message announces (EventBridge or S3 notification shape). */
function runIdOf(body: string): string {
  const parsed = JSON.parse(body) as {
    detail?: { object?: { key?: string } };
    Records?: { s3?: { object?: { key?: string } } }[];
  };
  const key = parsed.detail?.object?.key ?? parsed.Records?.[0]?.s3?.object?.key ?? "";
  return key.replace(/^runs\//, "").replace(/\.json$/, "");
}

/** Takes every visible message off a queue (as delivered, not yet handled). */
function takeAll(queue: FileQueue): QueueMessage[] {
  const taken: QueueMessage[] = [];
  for (let batch = queue.receive(10); batch.length > 0; batch = queue.receive(10)) {
    for (const m of batch) queue.ack(m.receiptHandle);
    taken.push(...batch);
  }
  return taken;
}

/**
 * Sends a load message again. SQS FIFO drops a repeat inside its five-minute deduplication
 * window; a repeat after it (or an EventBridge retry) arrives with a new id, which is what this is.
 */
function sendLoad(queue: FileQueue, message: QueueMessage, copy: string): void {
  queue.send(message.body, {
    groupId: WAREHOUSE_GROUP,
    dedupId: `${message.dedupId ?? message.messageId}#${copy}`,
  });
}

/** Newer values for a few dimension rows, so loading an older run after a newer one shows. */
async function editDimensions(s: Scenario, label: string): Promise<void> {
  const stamp = "last_updated = clock_timestamp()";
  await s.oltp.query(`update address set phone = $1, ${stamp} where address_id = 1`, [`0${label}-555`]);
  await s.oltp.query(`update design set design_name = $1, ${stamp} where design_id = 1`, [`design ${label}`]);
  await s.oltp.query(`update department set location = $1, ${stamp} where department_id = 1`, [
    `site ${label}`,
  ]);
  await s.oltp.query(`update staff set email_address = $1, ${stamp} where staff_id = 1`, [
    `${label}@terrifictotes.com`,
  ]);
  await s.oltp.query(
    `update counterparty set counterparty_legal_name = $1, ${stamp} where counterparty_id = 1`,
    [`Counterparty ${label}`],
  );
  await s.oltp.query(`update sales_order set units_sold = units_sold + 1, ${stamp} where sales_order_id = 1`);
}

describe("the reliability suite: every fault ends with the warehouse equal to the reference", () => {
  it("1. duplicate delivery: manifests' notifications and a landed file delivered twice", async () => {
    const s = await scenario("duplicates");
    const feed = FileRuleSchema.parse({
      name: "rate_feed",
      keyGlob: "landing/feed/*.csv",
      format: "csv",
      headerLines: 1,
      target: { schema: "landed", table: "rate_feed" },
      columns: [{ name: "currency_code" }, { name: "rate_to_gbp" }, { name: "as_of" }],
      // Append: a second load of the same file would show as duplicate rows.
      writeMode: "append",
      notify: "failure",
    });
    await s.warehouse.query("create schema landed");
    await s.warehouse.query(
      "create table landed.rate_feed (currency_code varchar(3) not null, rate_to_gbp numeric(12,6) not null, as_of date not null)",
    );
    const rules = createFileRulesRepository(s.warehouse);
    await rules.ensureTable();
    await rules.upsert(feed);

    const twice = async () => {
      await s.pipeline.ingest();
      const transform = s.pipeline.queues.transform;
      for (const m of takeAll(transform)) {
        transform.send(m.body);
        transform.send(m.body);
      }
      await s.pipeline.transform();
      const load = s.pipeline.queues.load;
      for (const m of takeAll(load)) {
        sendLoad(load, m, "1");
        sendLoad(load, m, "2");
      }
      await s.pipeline.load();
    };
    await twice();
    await s.snapshot();
    await dayOfChanges(s, 8);
    await twice();

    const s3 = localS3Client(s.local.endpoints);
    await s3.send(
      new PutObjectCommand({
        Bucket: s.env.LANDING_BUCKET,
        Key: "landing/feed/2026-11-23.csv",
        Body: "currency_code,rate_to_gbp,as_of\nGBP,1.000000,2026-11-23\nUSD,0.790000,2026-11-23\nEUR,0.860000,2026-11-23\n",
      }),
    );
    s3.destroy();
    await waitFor("the landed file's notification", async () => (s.deliver() > 0 ? true : undefined));
    const files = s.pipeline.queues.files;
    for (const m of takeAll(files)) {
      files.send(m.body);
      files.send(m.body);
    }
    await s.pipeline.files();

    // Late repeats of everything, as an operator's replay would send them.
    const runs = await s.warehouse.query<{ run_id: string }>(
      "select run_id from etl.load_runs order by run_id",
    );
    const target = localTarget(s.local);
    for (const { run_id } of runs.rows) {
      await s.operator(replay, [run_id]);
      // `etl replay s3://<processed>/runs/<id>.json` sends this S3 notification to the load queue.
      const record = await createdRecordFor(target, s.env.PROCESSED_BUCKET ?? "", `runs/${run_id}.json`);
      s.pipeline.queues.load.send(JSON.stringify({ Records: [record] }), {
        groupId: WAREHOUSE_GROUP,
        dedupId: `replay-${run_id}`,
      });
    }
    target.s3.destroy();
    target.dynamoClient.destroy();
    await s.pipeline.load();

    const landed = await s.warehouse.query<{ currency_code: string; rate: string; as_of: string }>(
      "select currency_code, rate_to_gbp::text as rate, as_of::text from landed.rate_feed order by currency_code",
    );
    expect(runs.rows).toHaveLength(2);
    expect(landed.rows).toEqual([
      { currency_code: "EUR", rate: "0.860000", as_of: "2026-11-23" },
      { currency_code: "GBP", rate: "1.000000", as_of: "2026-11-23" },
      { currency_code: "USD", rate: "0.790000", as_of: "2026-11-23" },
    ]);
    expect(await endState(s), s.incidents()).toEqual(SETTLED);
  }, 120_000);

  describe("2. out-of-order delivery", () => {
    /** Run N (everything, with edits "N") and run N+1 (a day of changes, edits "N1"), transformed. */
    async function twoRunsWaiting(s: Scenario): Promise<{ n: string; next: string }> {
      await editDimensions(s, "N");
      const n = (await s.pipeline.ingest()).result as { runId: string };
      await s.pipeline.transform();
      await s.snapshot();
      await dayOfChanges(s, 9);
      await editDimensions(s, "N1");
      const next = (await s.pipeline.ingest()).result as { runId: string };
      await s.pipeline.transform();
      return { n: n.runId, next: next.runId };
    }

    it("run N+1's load delivered before run N's", async () => {
      const s = await scenario("out-of-order");
      const { n, next } = await twoRunsWaiting(s);
      const load = s.pipeline.queues.load;
      const messages = takeAll(load);
      expect(messages.map((m) => runIdOf(m.body))).toEqual([n, next]);
      for (const m of [...messages].reverse()) sendLoad(load, m, "reordered");

      await s.pipeline.load();
      await operatorRecovers(s);

      expect(await endState(s), s.incidents()).toEqual(SETTLED);
    }, 120_000);

    it("run N's load fails while the warehouse is down, N+1 waits, then N is redriven", async () => {
      const s = await scenario("failed-then-redriven", { warehouseProxy: true });
      const { n, next } = await twoRunsWaiting(s);
      const proxy = s.warehouseProxy;
      if (!proxy) throw new Error("the scenario needs its warehouse proxy");
      const { handler } = (await import("@etl/load/handler")) as unknown as { handler: SqsHandler };
      const attempts: { runId: string; warehouseUp: boolean }[] = [];
      let up = false;
      // The warehouse comes back once run N has used up its receives and run N+1's turn comes.
      const loader: SqsHandler = async (event, context) => {
        const runIds = event.Records.map((r) => runIdOf(r.body));
        if (runIds.includes(next) && !up) {
          await proxy.start();
          up = true;
        }
        for (const runId of runIds) attempts.push({ runId, warehouseUp: up });
        return handler(event, context);
      };

      await proxy.stop();
      await drainQueue(s.pipeline.queues.load, loader, {
        functionName: "etl-load",
        region: s.local.endpoints.region,
      });
      await proxy.start();
      await operatorRecovers(s);

      expect(attempts.find((a) => a.runId === n)).toEqual({ runId: n, warehouseUp: false });
      expect(await endState(s), s.incidents()).toEqual(SETTLED);
    }, 120_000);
  });

  describe("3. a crash at every step: the real handler in a process killed there, then `etl run`", () => {
    interface CrashPoint {
      stage: Stage;
      at: string;
      /** Decides per request to S3 or DynamoDB; `crash` collects what the decision needs. */
      decide?: (
        s: Scenario,
        service: "s3" | "dynamodb",
        request: SeenRequest,
        crash: CrashState,
      ) => Promise<Verdict>;
      /** The loader is killed while its COPY of fact_sales_order streams, dimensions merged. */
      duringCopy?: boolean;
    }
    interface CrashState {
      manifestWritten: boolean;
      runId?: string;
    }
    /** The COPY that streams fact_sales_order's rows into the warehouse (into its staging table). */
    const FACT_COPY = /copy\s+[^\s(]*fact_sales_order[^\s(]*\s*\([^)]*\)\s*from\s+stdin/i;
    const put = (request: SeenRequest, bucket: string, prefix: string) =>
      request.method === "PUT" && request.path.startsWith(`/${bucket}/${prefix}`);
    const target = (request: SeenRequest) =>
      String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "";

    const points: CrashPoint[] = [
      {
        stage: "ingest",
        at: "once the first raw data part is written",
        decide: async (s, service, r) =>
          service === "s3" && put(r, s.env.INGEST_BUCKET ?? "", "raw/") ? "kill-after" : "pass",
      },
      {
        stage: "ingest",
        at: "once the run's manifest is written, before the watermarks move",
        decide: async (s, service, r) =>
          service === "s3" && put(r, s.env.INGEST_BUCKET ?? "", "runs/") ? "kill-after" : "pass",
      },
      {
        stage: "ingest",
        at: "once the watermarks moved, before the run is audited",
        decide: async (s, service, r, crash) => {
          if (service === "s3" && put(r, s.env.INGEST_BUCKET ?? "", "runs/")) crash.manifestWritten = true;
          const stateWrite =
            service === "dynamodb" && target(r) === "UpdateItem" && r.body.includes(`"${s.env.STATE_TABLE}"`);
          return crash.manifestWritten && stateWrite ? "kill-after" : "pass";
        },
      },
      {
        stage: "transform",
        at: "once the first star part is written",
        decide: async (s, service, r) =>
          service === "s3" && put(r, s.env.PROCESSED_BUCKET ?? "", "star/") ? "kill-after" : "pass",
      },
      {
        stage: "transform",
        at: "once the processed manifest is written, before the message is acknowledged",
        decide: async (s, service, r) =>
          service === "s3" && put(r, s.env.PROCESSED_BUCKET ?? "", "runs/") ? "kill-after" : "pass",
      },
      {
        stage: "load",
        at: "while its COPY into the warehouse runs, inside its transaction",
        duringCopy: true,
      },
      {
        stage: "load",
        at: "once the load committed, before it is audited and acknowledged",
        decide: async (s, service, r, crash) => {
          const auditWrite =
            service === "dynamodb" &&
            ["PutItem", "BatchWriteItem"].includes(target(r)) &&
            r.body.includes(`"${s.env.AUDIT_TABLE}"`);
          if (!auditWrite || !crash.runId) return "pass";
          const ledger = await s.warehouse.query(
            "select 1 from etl.load_runs where run_id = $1 and status = 'FINISHED'",
            [crash.runId],
          );
          return (ledger.rowCount ?? 0) > 0 ? "kill-before" : "pass";
        },
      },
    ];

    // One world for the whole history: a first run, then per crash point a day of changes, a run
    // killed at that point, the operator's recovery, and the end state checked.
    let world: Scenario;
    let seed = 8;
    beforeAll(async () => {
      world = await Scenario.open(suite, "crashes");
      await world.cycle();
      await world.snapshot();
    }, 120_000);
    afterAll(async () => {
      await world?.close();
    });

    it.each(points)(
      "$stage killed $at",
      async (point) => {
        const s = world;
        await dayOfChanges(s, seed++);
        const region = s.local.endpoints.region;

        let event: unknown = scheduledEvent(region);
        let queue: FileQueue | undefined;
        let messages: QueueMessage[] = [];
        if (point.stage !== "ingest") {
          await s.pipeline.ingest();
          if (point.stage === "load") await s.pipeline.transform();
          queue = point.stage === "load" ? s.pipeline.queues.load : s.pipeline.queues.transform;
          messages = queue.receive(point.stage === "load" ? 1 : 10);
          expect(messages.length).toBeGreaterThan(0);
          event = toSqsEvent(queue, messages, region);
        }
        const crash: CrashState = {
          manifestWritten: false,
          ...(messages[0] ? { runId: runIdOf(messages[0].body) } : {}),
        };
        const before = await s.fingerprint();

        let kill = async () => {};
        const decide = (service: "s3" | "dynamodb") => (r: SeenRequest) =>
          point.decide ? point.decide(s, service, r, crash) : Promise.resolve<Verdict>("pass");
        const s3 = await startFaultProxy(s.local.endpoints.s3Endpoint, decide("s3"), () => kill());
        const dynamo = await startFaultProxy(s.local.endpoints.dynamodbEndpoint, decide("dynamodb"), () =>
          kill(),
        );
        const direct = new URL(s.warehouseUrl);
        const warehouse = await startTcpProxy(direct.hostname, Number(direct.port));
        const throughProxy = new URL(s.warehouseUrl);
        throughProxy.port = String(warehouse.port);
        if (point.duringCopy) warehouse.holdAfter((packet) => FACT_COPY.test(packet.toString("latin1")));
        let child: ReturnType<typeof spawnHandler> | undefined;
        try {
          child = spawnHandler(
            point.stage,
            {
              ...s.env,
              S3_ENDPOINT: s3.url,
              DYNAMODB_ENDPOINT: dynamo.url,
              WAREHOUSE_URL: throughProxy.toString(),
              // Small parts, so a run writes several and a crash can fall between them.
              PART_MAX_BYTES: "1024",
              POWERTOOLS_LOG_LEVEL: "SILENT",
            },
            event,
          );
          const running = child;
          kill = () => running.kill();
          if (point.duringCopy) {
            await waitFor("the loader's COPY of fact_sales_order", async () =>
              (await s.loaderBackends()).some((b) => b.state === "active" && FACT_COPY.test(b.query))
                ? true
                : undefined,
            );
            await running.kill();
            await waitFor("the killed loader's transaction to end", async () =>
              (await s.loaderBackends()).length === 0 ? true : undefined,
            );
          }
          const outcome = await child.outcome;
          expect
            .soft(
              outcome.killed,
              `the ${point.stage} process should have been killed ${point.at}; it exited with ${outcome.code}: ${outcome.stderr.slice(-2000)}`,
            )
            .toBe(true);
          expect
            .soft(await s.unreadBelowWatermarks(), "rows below the watermarks after the crash")
            .toEqual([]);
          if (point.duringCopy)
            expect.soft(await s.fingerprint(), "the warehouse after the killed load").toEqual(before);
        } finally {
          await child?.kill();
          await warehouse.close();
          await s3.close();
          await dynamo.close();
          // The killed invocation's messages become visible again when their visibility timeout
          // ends; then the operator runs the pipeline again, and the world moves on from there.
          for (const m of messages) queue?.fail(m.receiptHandle);
          await s.operator(run);
          await operatorRecovers(s);
          await s.snapshot();
        }

        expect(await endState(s), s.incidents()).toEqual(SETTLED);
      },
      120_000,
    );
  });

  it("4. a writer's transaction open across a run: its row, committed late, still arrives", async () => {
    const s = await scenario("late-writer");

    const writer = new pg.Client({ connectionString: s.env.DATABASE_URL });
    await writer.connect();
    try {
      await writer.query("begin");
      // Stamped when the statement runs, committed long after: the case a clock lag cannot cover.
      await writer.query(
        "update sales_order set units_sold = 4242, last_updated = clock_timestamp() where sales_order_id = 1",
      );
      await s.oltp.query(
        "update sales_order set units_sold = units_sold + 1, last_updated = clock_timestamp() where sales_order_id = 2",
      );
      await s.cycle();
      await s.snapshot();
      await writer.query("commit");
    } finally {
      await writer.end();
    }
    await s.cycle();
    await s.cycle();

    const written = await s.warehouse.query(
      "select 1 from warehouse.fact_sales_order where sales_order_id = 1 and units_sold = 4242",
    );
    expect.soft(written.rowCount, "the writer's version of sales order 1 in fact_sales_order").toBe(1);
    expect(await endState(s), s.incidents()).toEqual(SETTLED);
  }, 120_000);

  it("5. the warehouse goes down in the middle of a load: nothing half-loaded, then the run loads", async () => {
    const s = await scenario("warehouse-down", { warehouseProxy: true });
    const proxy = s.warehouseProxy;
    if (!proxy) throw new Error("the scenario needs its warehouse proxy");
    await s.pipeline.ingest();
    await s.pipeline.transform();
    const before = await s.fingerprint();

    // The loader blocks on fact_sales_order inside its transaction, its dimensions merged.
    const locker = new pg.Client({ connectionString: s.warehouseUrl });
    await locker.connect();
    await locker.query("begin");
    await locker.query("lock table warehouse.fact_sales_order in access exclusive mode");
    const loading = s.pipeline.load();
    await waitFor("the loader to wait inside its transaction", async () =>
      (await s.loaderBackends()).some((b) => b.waitEventType === "Lock") ? true : undefined,
    );
    // The server goes down: connections drop, its backends end, new connections are refused.
    await proxy.stop();
    await s.warehouse.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name = 'etl-load'`,
    );
    await locker.query("rollback");
    await locker.end();
    await loading;
    await waitFor("the loader's backends to end", async () =>
      (await s.loaderBackends()).length === 0 ? true : undefined,
    );
    expect(await s.fingerprint(), "the warehouse after the failed attempt").toEqual(before);

    await proxy.start();
    await s.operator(run);
    await operatorRecovers(s);

    expect(await endState(s), s.incidents()).toEqual(SETTLED);
  }, 120_000);
});
