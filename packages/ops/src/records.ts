import { createHash } from "node:crypto";
import type { AuditItem, FailureItem, Stage } from "./ports";
import { redactSecrets, redactValue } from "./redact";

/** Audit items expire after this many days unless configured otherwise. */
export const DEFAULT_AUDIT_TTL_DAYS = 400;

/** Longest SQL kept in a failure item (characters); DynamoDB items are capped at 400 KB. */
export const MAX_SQL_CHARS = 100_000;
/** Longest error message kept (characters). */
export const MAX_ERROR_CHARS = 10_000;

/** DynamoDB refuses a sort key over 1,024 bytes, and an S3 key alone may have 1,024. */
export const MAX_SORT_KEY_BYTES = 1024;
/** How much of a long object key stays readable at the start of its sort key (bytes). */
const READABLE_KEY_BYTES = 512;
/** Attempts are ISO times; a longer one is hashed too, so the sort key stays bounded. */
const MAX_ATTEMPT_BYTES = 256;

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The longest start of `text` of at most `bytes` bytes of UTF-8, cut between characters. */
function utf8Start(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (used + size > bytes) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * The audit sort key of an object key and an attempt: `key#attempt` while that fits DynamoDB's
 * 1,024 bytes, else `<first 512 bytes of the key>#sha256:<hex of the whole key>#attempt`, so any
 * legal S3 key (up to 1,024 bytes) is audited. The item keeps the whole key in `key`.
 */
export function auditSortKey(key: string, attempt: string): string {
  const plain = `${key}#${attempt}`;
  if (Buffer.byteLength(plain, "utf8") <= MAX_SORT_KEY_BYTES) return plain;
  const tail =
    Buffer.byteLength(attempt, "utf8") <= MAX_ATTEMPT_BYTES ? attempt : `sha256:${sha256(attempt)}`;
  return `${utf8Start(key, READABLE_KEY_BYTES)}#sha256:${sha256(key)}#${tail}`;
}

/** An audit item as stored: keys `pk = stage#runId`, `sk = auditSortKey(key, attempt)`. */
export interface AuditRecord extends AuditItem {
  pk: string;
  sk: string;
  recordedAt: string;
  /** Epoch seconds; the table's TTL attribute. */
  expiresAt?: number;
}

/** A failure item as stored: keys `pk = stage#runId`, `sk = isoTime#random`. */
export interface FailureRecord extends FailureItem {
  pk: string;
  sk: string;
  at: string;
  expiresAt?: number;
}

export function runPartitionKey(stage: Stage, runId: string): string {
  return `${stage}#${runId}`;
}

/** Cuts long text, saying how much was cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... [${text.length - max} more characters]`;
}

const expiry = (now: Date, days: number | undefined) =>
  days === undefined ? {} : { expiresAt: Math.floor(now.getTime() / 1000) + Math.round(days * 86_400) };

/** The stored form of an audit item: keys, time, TTL, and the error redacted and capped. */
export function toAuditRecord(item: AuditItem, options: { now: Date; ttlDays?: number }): AuditRecord {
  const record: AuditRecord = {
    ...item,
    pk: runPartitionKey(item.stage, item.runId),
    sk: auditSortKey(item.key, item.attempt),
    recordedAt: options.now.toISOString(),
    ...expiry(options.now, options.ttlDays),
  };
  if (item.error !== undefined) record.error = truncate(redactSecrets(item.error), MAX_ERROR_CHARS);
  return record;
}

/** The stored form of a failure: the error, SQL and details redacted, long text capped. */
export function toFailureRecord(
  failure: FailureItem,
  options: { now: Date; suffix: string; ttlDays?: number },
): FailureRecord {
  const at = options.now.toISOString();
  const record: FailureRecord = {
    ...failure,
    pk: runPartitionKey(failure.stage, failure.runId),
    sk: `${at}#${options.suffix}`,
    at,
    error: truncate(redactSecrets(failure.error), MAX_ERROR_CHARS),
    ...expiry(options.now, options.ttlDays),
  };
  if (failure.sql !== undefined) record.sql = truncate(redactSecrets(failure.sql), MAX_SQL_CHARS);
  if (failure.details !== undefined) record.details = redactValue(failure.details) as Record<string, unknown>;
  return record;
}
