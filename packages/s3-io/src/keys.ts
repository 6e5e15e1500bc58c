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

/**
 * `raw/<table>/YYYY/MM/DD/<runId>-deleted.jsonl.gz`: the keys of the table's rows deleted at the
 * source since the previous run, beside the run's data parts.
 */
export function rawDeletionsKey(table: SourceTable, runId: RunId): string {
  return `raw/${table}/${runDatePath(runId)}/${runId}-deleted.jsonl.gz`;
}

/**
 * `keys/<table>/<runId>.keys.gz`: every primary key of a source table at the run's snapshot, the
 * set the next run compares with to find hard deletes. Only the ingest reads it.
 */
export function keySetKey(table: SourceTable, runId: RunId): string {
  return `keys/${table}/${RunIdSchema.parse(runId)}.keys.gz`;
}

/**
 * An attempt token: 8 to 16 lowercase letters or digits that tell apart the attempts of one run
 * (a crashed attempt, its retry, a duplicate delivery running at the same time), so no two
 * attempts ever write the same key. Only the manifest, written last, says which attempt counts.
 */
export const ATTEMPT_TOKEN_PATTERN = /^[0-9a-z]{8,16}$/;

function attemptToken(attempt: string): string {
  if (!ATTEMPT_TOKEN_PATTERN.test(attempt)) {
    throw new RangeError(
      `attempt token must be 8 to 16 lowercase letters or digits: ${JSON.stringify(attempt)}`,
    );
  }
  return attempt;
}

/**
 * `star/<table>/YYYY/MM/DD/<runId>-<attempt>-NNNN.parquet`, parts numbered from 1: sorted by run,
 * then attempt, then part.
 */
export function starDataKey(table: StarTable, runId: RunId, attempt: string, partNumber: number): string {
  return `${starRunPrefix(table, runId)}-${attemptToken(attempt)}-${part(partNumber)}.parquet`;
}

/**
 * `star/<table>/YYYY/MM/DD/<runId>`: the prefix of every star file of the run, whatever the
 * attempt (run ids have a fixed length, so no other run shares it).
 */
export function starRunPrefix(table: StarTable, runId: RunId): string {
  return `star/${table}/${runDatePath(runId)}/${runId}`;
}

/** `state/<table>/<runId>-<attempt>.jsonl.gz`: the compacted current state of a reference table after a run. */
export function stateKey(table: SourceTable, runId: RunId, attempt: string): string {
  return `${stateRunPrefix(table, runId)}-${attemptToken(attempt)}.jsonl.gz`;
}

/** `state/<table>/<runId>`: the prefix of every state object of the run, whatever the attempt. */
export function stateRunPrefix(table: SourceTable, runId: RunId): string {
  return `state/${table}/${RunIdSchema.parse(runId)}`;
}

/** `quarantine/<stage>/<runId>/<name>`: inputs a stage refused, kept with their reason. */
export function quarantineKey(stage: string, runId: string, name: string): string {
  return `quarantine/${stage}/${runId}/${name}`;
}
