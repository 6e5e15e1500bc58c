import type { StateStore } from "@etl/ops";
import { ObjectNotFoundError, runIdFromManifestKey, runManifestKey } from "@etl/s3-io";
import { createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
import type { BlockableStage } from "@etl/schemas";
import { RunIdSchema } from "@etl/schemas";
import { blockageOfRun, operatorState, redeliverBlockedRuns } from "../../blocked-runs";
import { type LocalEnvironment, openLocalEnvironment } from "../../environment";
import { createdRecordFor, type OperatorTarget, sendToQueue } from "../../operator";
import { openLocalQueues, type StageReport, WAREHOUSE_GROUP } from "../../pipeline";
import { toEventBridgeObjectCreated } from "../../runtime";
import { CliError, type Command, out, UsageError } from "../command";
import { RUN_ID_EXAMPLE } from "../run-ids";
import { targetOptions, withTarget } from "./operate";

type ReplayKind = "ingest" | "processed" | "landing";

/** What a replay names: the object, which bucket's notification it is, and where that goes. */
export interface ReplayObject {
  kind: ReplayKind;
  bucket: string;
  key: string;
}

const REPLAYED: Record<ReplayKind, { what: string; queue: string; queueUrl: string; stages: StageName[] }> = {
  ingest: {
    what: "ingest manifest",
    queue: "etl-transform",
    queueUrl: "TRANSFORM_QUEUE_URL",
    stages: ["transform", "load"],
  },
  processed: {
    what: "processed manifest",
    queue: "etl-load.fifo",
    queueUrl: "LOAD_QUEUE_URL",
    stages: ["load"],
  },
  landing: { what: "landed file", queue: "etl-files", queueUrl: "FILES_QUEUE_URL", stages: ["files"] },
};

export type StageName = "transform" | "load" | "files";

/**
 * A run id or an s3:// URL, checked against the buckets whose notifications the pipeline routes.
 * A run id that blocks the load replays its processed manifest to the load: the transform has
 * nothing to do for it, the load is where it failed.
 */
export function replayObject(
  what: string,
  env: Record<string, string | undefined>,
  blocks: BlockableStage | undefined,
): ReplayObject {
  const ingest = env.INGEST_BUCKET ?? "";
  if (!what.startsWith("s3://")) {
    if (!RunIdSchema.safeParse(what).success)
      throw new UsageError(
        `${JSON.stringify(what)} is neither a run id (like ${RUN_ID_EXAMPLE}) nor s3://bucket/key; \`etl status\` lists the runs`,
      );
    if (blocks === "load")
      return { kind: "processed", bucket: env.PROCESSED_BUCKET ?? "", key: runManifestKey(what) };
    return { kind: "ingest", bucket: ingest, key: runManifestKey(what) };
  }
  const url = /^s3:\/\/([^/]+)\/(.+)$/.exec(what);
  const bucket = url?.[1] ?? "";
  const key = url?.[2] ?? "";
  if (!bucket || !key) throw new UsageError(`${what} is not s3://bucket/key`);
  const kinds: [ReplayKind, string | undefined][] = [
    ["ingest", ingest],
    ["processed", env.PROCESSED_BUCKET],
    ["landing", env.LANDING_BUCKET],
  ];
  const kind = kinds.find(([, b]) => b === bucket)?.[0];
  const watched = kinds
    .filter(([, b]) => b)
    .map(([k, b]) => `${b} (${k})`)
    .join(", ");
  if (!kind) throw new UsageError(`${bucket} is not a bucket the pipeline watches: ${watched}`);
  if (kind === "landing" ? !key.startsWith("landing/") : runIdFromManifestKey(key) === undefined)
    throw new UsageError(
      kind === "landing"
        ? `only keys under landing/ in ${bucket} are loaded by the rules, not ${key}`
        : `only run manifests (runs/<runId>.json) in ${bucket} start a stage, not ${key}`,
    );
  return { kind, bucket, key };
}

/**
 * Runs the local stages on what is queued, printing each stage's deliveries and every problem;
 * 1 when a message did not get through.
 */
export async function drainStages(
  opened: LocalEnvironment | undefined,
  dataDir: string,
  stages: readonly StageName[],
  quiet = false,
): Promise<number> {
  const local = opened ?? (await openLocalEnvironment(dataDir));
  const reports: StageReport[] = [];
  try {
    const { preparePipeline } = await import("./pipeline");
    const { createProgressRenderer } = await import("../../progress-renderer");
    const progress = createProgressRenderer({ stream: process.stdout, quiet });
    const pipeline = await preparePipeline(local, progress);
    for (const stage of stages) {
      const report = await pipeline[stage]().finally(() => progress.clear());
      reports.push(report);
      const d = report.delivery;
      out(
        `  ${report.stage.padEnd(10)} ${d?.succeeded ?? 0} delivered, ${d?.retried ?? 0} retried, ${d?.deadLettered ?? 0} dead-lettered`,
      );
    }
  } finally {
    if (!opened) await local.close();
  }
  const { reportProblems } = await import("./pipeline");
  return reportProblems(reports, out).length > 0 ? 1 : 0;
}

/** Delivers the runs acknowledged behind the replayed run again, after it. */
async function followBlocked(
  target: OperatorTarget,
  dataDir: string,
  state: StateStore,
  stage: BlockableStage,
  runId: string,
): Promise<void> {
  const runs = await redeliverBlockedRuns(target, dataDir, state, stage, runId);
  if (runs.length > 0)
    out(`and the ${runs.length} run(s) waiting behind it: ${runs.map((r) => r.runId).join(", ")}`);
}

export const replay: Command = {
  name: "replay",
  summary: "deliver a run or an object again: etl replay <runId | s3://bucket/key | --dead-letters>",
  usage:
    "etl replay <runId | s3://bucket/key> [--aws] [--data-dir DIR]\n" +
    "etl replay --dead-letters [--data-dir DIR]\n\n" +
    "  runId            the ingest manifest's notification goes to the transform again (then load);\n" +
    "                   a run that blocks the load: its processed manifest goes to the load, and the\n" +
    "                   runs acknowledged behind it follow (docs/operations.md)\n" +
    "  s3://bucket/key  that object's ObjectCreated notification goes where the bucket's would: an\n" +
    "                   ingest manifest to the transform, a processed manifest to the load, a file\n" +
    "                   under landing/ to the files queue (on AWS: TRANSFORM_QUEUE_URL, LOAD_QUEUE_URL,\n" +
    "                   FILES_QUEUE_URL)\n" +
    "  --dead-letters   move every dead-lettered message back to its queue (local)\n" +
    "  Every stage is idempotent: what is already done is skipped.",
  options: { ...targetOptions, "dead-letters": { type: "boolean" } },
  async run({ values, positionals }) {
    const what = positionals[0];
    if (values["dead-letters"] !== true && !what)
      throw new UsageError("give a run id, an s3://bucket/key or --dead-letters");
    return withTarget(values, async (target, dataDir, opened) => {
      if (values["dead-letters"] === true) {
        let moved = 0;
        for (const queue of Object.values(openLocalQueues(dataDir))) moved += queue.redriveDeadLetters();
        out(`${moved} dead-lettered message(s) moved back to their queues`);
        if (moved === 0) return 0;
      }
      // Every queue, the landed files' too: a redriven dead letter may sit in any of them.
      let stages: StageName[] = ["transform", "load", "files"];
      if (what) {
        const state = operatorState(target);
        // A malformed run id is refused by `replayObject` before anything is read.
        const runId = !what.startsWith("s3://") && RunIdSchema.safeParse(what).success ? what : undefined;
        const blockage = runId ? await blockageOfRun(state, runId) : undefined;
        const object = replayObject(what, target.env, blockage?.stage);
        const route = REPLAYED[object.kind];
        const store = createS3ObjectStore(target.s3, {
          localServer: target.kind === "local" && isLocalS3Server(target.env),
        });
        const found = await store.head(object.bucket, object.key).catch((error: unknown) => {
          if (error instanceof ObjectNotFoundError) return undefined;
          throw error;
        });
        if (!found)
          throw new CliError(
            `no ${route.what} s3://${object.bucket}/${object.key}: \`etl status\` lists the runs there are`,
          );
        const record = await createdRecordFor(target, object.bucket, object.key);
        const toLoad = object.kind === "processed";
        // The processed bucket notifies through EventBridge; the others send S3's own records.
        const body = JSON.stringify(toLoad ? toEventBridgeObjectCreated(record) : { Records: [record] });
        // The runs acknowledged behind it follow it (in order on the FIFO load queue), so a
        // replay that succeeds unblocks the stage with nothing left behind.
        const replayedRun = runIdFromManifestKey(object.key);
        const stage: BlockableStage | undefined =
          object.kind === "processed" ? "load" : object.kind === "ingest" ? "transform" : undefined;
        // Held behind it even when it no longer blocks (redriven by other means, it loaded).
        const blocked = stage && replayedRun ? stage : undefined;
        if (target.kind === "aws") {
          const url = target.env[route.queueUrl];
          if (!url) throw new UsageError(`set ${route.queueUrl} to replay a ${route.what} on AWS`);
          await sendToQueue(target, url, body, toLoad ? WAREHOUSE_GROUP : undefined);
          out(`sent s3://${object.bucket}/${object.key} to ${url}`);
          if (blocked && replayedRun) await followBlocked(target, dataDir, state, blocked, replayedRun);
          return 0;
        }
        const queues = openLocalQueues(dataDir);
        const queue =
          object.kind === "processed"
            ? queues.load
            : object.kind === "landing"
              ? queues.files
              : queues.transform;
        queue.send(body, toLoad ? { groupId: WAREHOUSE_GROUP, dedupId: `replay-${Date.now()}` } : {});
        out(`queued s3://${object.bucket}/${object.key} on ${route.queue}`);
        if (blocked && replayedRun) await followBlocked(target, dataDir, state, blocked, replayedRun);
        stages = route.stages;
      }
      return drainStages(opened, dataDir, stages, values.quiet === true);
    });
  },
};
