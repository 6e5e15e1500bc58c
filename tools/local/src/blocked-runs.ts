import { hostname, userInfo } from "node:os";
import {
  type AuditItem,
  currentBlockage,
  forgetBlockedRun,
  listBlockages,
  listBlockedRuns,
  listSkippedRuns,
  OpsStoreError,
  type StateStore,
} from "@etl/ops";
import { createDynamoAuditLog, createDynamoStateStore } from "@etl/ops/aws";
import { runManifestKey } from "@etl/s3-io";
import type { BlockableStage, BlockageRecord, BlockedRunRecord, RunId, SkippedRunRecord } from "@etl/schemas";
import { createdRecordFor, type OperatorTarget, sendToQueue } from "./operator";
import { openLocalQueues, WAREHOUSE_GROUP } from "./pipeline";
import { toEventBridgeObjectCreated } from "./runtime";

/**
 * The operator's side of a blocked stage (see docs/operations.md): what `etl status` shows of a
 * blockage, and how `etl replay` and `etl skip` deliver the runs acknowledged behind it again.
 */

export function operatorState(target: OperatorTarget): StateStore {
  return createDynamoStateStore({ client: target.dynamoClient, table: target.env.STATE_TABLE ?? "" });
}

export function operatorAudit(target: OperatorTarget) {
  return createDynamoAuditLog({
    client: target.dynamoClient,
    auditTable: target.env.AUDIT_TABLE ?? "",
    failureTable: target.env.FAILURE_TABLE ?? "",
  });
}

/** One blocked stage as `etl status` shows it. */
export interface BlockedStage extends BlockageRecord {
  /** The runs acknowledged behind it, oldest first: delivered again when it ends. */
  waiting: string[];
}

export interface BlockageStatus {
  blocked: BlockedStage[];
  /**
   * Runs held behind a run that no longer blocks (it loaded after a redrive that was not `etl
   * replay`): nothing delivers them until `etl replay <that run>` does.
   */
  held: BlockedRunRecord[];
  /** Runs skipped on the record, per stage, oldest first. */
  skipped: SkippedRunRecord[];
}

export async function blockageStatus(state: StateStore): Promise<BlockageStatus> {
  const blocked: BlockedStage[] = [];
  const held: BlockedRunRecord[] = [];
  const blockages = await listBlockages(state);
  for (const stage of ["transform", "load"] as const) {
    const blockage = blockages.find((b) => b.stage === stage);
    const runs = await listBlockedRuns(state, stage);
    if (blockage) blocked.push({ ...blockage, waiting: runs.map((r) => r.runId) });
    else held.push(...runs);
  }
  const skipped = [...(await listSkippedRuns(state, "transform")), ...(await listSkippedRuns(state, "load"))];
  return { blocked, held, skipped };
}

/** The lines of `etl status` about blockages: "load blocked since run X because Y", and how out. */
export function blockageLines(status: BlockageStatus): string[] {
  const lines: string[] = [];
  for (const b of status.blocked) {
    lines.push(
      `${b.stage} BLOCKED since run ${b.runId} because ${b.reason} (${b.code}, failed ${b.since})`,
      `  ${b.waiting.length} run(s) wait behind it${b.waiting.length > 0 ? `: ${b.waiting.join(", ")}` : ""}` +
        ` (and every later run not ${b.stage === "load" ? "loaded" : "transformed"} yet)`,
      `  fix and replay: put back a good copy of ${b.key ?? "the file"}, then \`etl replay ${b.runId}\``,
      `  or skip it:     \`etl skip ${b.runId} --reason "..."\` (recorded; docs/operations.md says what it means)`,
    );
  }
  for (const h of status.held)
    lines.push(
      `${h.stage} run ${h.runId} is held behind run ${h.behind}, which no longer blocks: \`etl replay ${h.behind}\` delivers it`,
    );
  if (status.skipped.length > 0) {
    lines.push("runs skipped on the record:");
    for (const s of status.skipped)
      lines.push(`  ${s.stage.padEnd(9)} ${s.runId} by ${s.by} at ${s.at}: ${s.reason}`);
  }
  return lines;
}

/**
 * The blockage `runId` causes, if any, at either stage (the load first: it is the usual one).
 * A state table not created yet holds none.
 */
export async function blockageOfRun(state: StateStore, runId: string): Promise<BlockageRecord | undefined> {
  try {
    for (const stage of ["load", "transform"] as const) {
      const blockage = await currentBlockage(state, stage);
      if (blockage?.runId === runId) return blockage;
    }
  } catch (error) {
    if (!(error instanceof OpsStoreError && error.code === "NOT_FOUND")) throw error;
  }
  return undefined;
}

/**
 * Sends the notification that starts `stage` for a run: its processed manifest to the load
 * queue (EventBridge shape, the warehouse's FIFO group), or its ingest manifest to the transform
 * queue (S3's shape); locally into the queue folders, on AWS to LOAD_QUEUE_URL / TRANSFORM_QUEUE_URL.
 */
export async function notifyStage(
  target: OperatorTarget,
  dataDir: string,
  stage: BlockableStage,
  runId: string,
): Promise<string> {
  const toLoad = stage === "load";
  const bucket = (toLoad ? target.env.PROCESSED_BUCKET : target.env.INGEST_BUCKET) ?? "";
  const key = runManifestKey(runId as RunId);
  const record = await createdRecordFor(target, bucket, key);
  const body = JSON.stringify(toLoad ? toEventBridgeObjectCreated(record) : { Records: [record] });
  const dedupId = `unblock-${runId}-${Date.now()}`;
  if (target.kind === "aws") {
    const variable = toLoad ? "LOAD_QUEUE_URL" : "TRANSFORM_QUEUE_URL";
    const url = target.env[variable];
    if (!url) throw new Error(`set ${variable} to deliver runs to the ${stage} on AWS`);
    await sendToQueue(target, url, body, toLoad ? WAREHOUSE_GROUP : undefined);
    return `s3://${bucket}/${key} sent to ${url}`;
  }
  const queues = openLocalQueues(dataDir);
  (toLoad ? queues.load : queues.transform).send(body, toLoad ? { groupId: WAREHOUSE_GROUP, dedupId } : {});
  return `s3://${bucket}/${key} queued for the ${stage}`;
}

/**
 * Delivers the runs acknowledged behind a blockage of `stage` (behind run `behind`, when given) again, oldest first (on the FIFO
 * load queue they then load in order), and forgets each once sent. A run still blocked (its
 * blocking run failed again) is simply acknowledged behind it again and recorded anew.
 */
export async function redeliverBlockedRuns(
  target: OperatorTarget,
  dataDir: string,
  state: StateStore,
  stage: BlockableStage,
  behind?: string,
): Promise<BlockedRunRecord[]> {
  const runs = (await listBlockedRuns(state, stage)).filter(
    (r) => behind === undefined || r.behind === behind,
  );
  for (const run of runs) {
    await notifyStage(target, dataDir, stage, run.runId);
    await forgetBlockedRun(state, stage, run.runId);
  }
  return runs;
}

/** Who the operator is, as far as this machine tells: `--by`, else user@host. */
export function operatorName(given: unknown): string {
  if (typeof given === "string" && given.trim()) return given.trim();
  return `${userInfo().username}@${hostname()}`;
}

/** The audit item of an operator's action on a run (`key` "-": the run itself). */
export function operatorAuditItem(
  stage: BlockableStage,
  runId: string,
  status: AuditItem["status"],
  note: string,
  at: Date,
): AuditItem {
  return { stage, runId, key: "-", status, attempt: at.toISOString(), note };
}
