import { type RunId, RunIdSchema, type SourceTable, type StarTable } from "@etl/schemas";

/**
 * The key layout, as pure functions. Keys are zero-padded UTC and sort lexicographically by time;
 * each table has its own prefix; control objects live under prefixes that trigger nothing (only
 * `runs/*.json` and `landing/` notify). Objects are never overwritten: a change is a new key.
 */

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `20261123T141500123Z-00000042`: the run's start (UTC, milliseconds) and its sequence number. */
export function toRunId(startedAt: Date, sequence: number): RunId {
  const d = startedAt;
  const stamp =
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${pad(d.getUTCMilliseconds(), 3)}Z`;
  return `${stamp}-${pad(sequence, 8)}`;
}

/** The run's start date as `YYYY/MM/DD`, the partition of every file the run writes. */
export function runDatePath(runId: RunId): string {
  const id = RunIdSchema.parse(runId);
  return `${id.slice(0, 4)}/${id.slice(4, 6)}/${id.slice(6, 8)}`;
}

export function runSequence(runId: RunId): number {
  return Number(RunIdSchema.parse(runId).slice(-8));
}

export const RUN_MANIFEST_PREFIX = "runs/";

/** `runs/<runId>.json`: the manifest, in both the ingest and the processed bucket. */
export function runManifestKey(runId: RunId): string {
  return `${RUN_MANIFEST_PREFIX}${RunIdSchema.parse(runId)}.json`;
}

/** The run id of a manifest key, or undefined when the key is not a manifest. */
export function runIdFromManifestKey(key: string): RunId | undefined {
  const match = /^runs\/(.+)\.json$/.exec(key);
  if (!match?.[1]) return undefined;
  return RunIdSchema.safeParse(match[1]).success ? match[1] : undefined;
}

const part = (n: number) => pad(n, 4);

/** `raw/<table>/YYYY/MM/DD/<runId>-NNNN.jsonl.gz`, parts numbered from 1. */
export function rawDataKey(table: SourceTable, runId: RunId, partNumber: number): string {
  return `raw/${table}/${runDatePath(runId)}/${runId}-${part(partNumber)}.jsonl.gz`;
}

/** `star/<table>/YYYY/MM/DD/<runId>-NNNN.parquet`, parts numbered from 1. */
export function starDataKey(table: StarTable, runId: RunId, partNumber: number): string {
  return `star/${table}/${runDatePath(runId)}/${runId}-${part(partNumber)}.parquet`;
}

/** `state/<table>/<runId>.jsonl.gz`: the compacted current state of a reference table after a run. */
export function stateKey(table: SourceTable, runId: RunId): string {
  return `state/${table}/${runId}.jsonl.gz`;
}

/** `quarantine/<stage>/<runId>/<name>`: inputs a stage refused, kept with their reason. */
export function quarantineKey(stage: string, runId: string, name: string): string {
  return `quarantine/${stage}/${runId}/${name}`;
}

/** `archive/<rule>/YYYY/MM/DD/<name>` for a landed file that was processed. */
export function archiveKey(rule: string, at: Date, name: string): string {
  return `archive/${rule}/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${name}`;
}
