import type { Alert } from "./ports";
import { redactSecrets, redactValue } from "./redact";

/** SNS requires subjects under 100 characters, printable ASCII, no line breaks. */
export const MAX_SUBJECT_CHARS = 99;
/** SNS messages are capped at 256 KB; details beyond this are cut. */
export const MAX_MESSAGE_CHARS = 200_000;

const ascii = (text: string) =>
  text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\s+/g, " ")
    .replace(/[^\x20-\x7e]/gu, "?")
    .trim();

/** Keeps both ends of a long name: the start says what it is, the end which part. */
function middle(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = Math.ceil((max - 3) / 2);
  return `${text.slice(0, max - 3 - tail)}...${text.slice(text.length - tail)}`;
}

function end(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 3))}...`;
}

/**
 * `ETL <stage> <table> <file>: <subject>` in at most 99 printable ASCII characters. When too long,
 * the file name is shortened in the middle first (its end holds the part number), when that makes
 * the whole subject text fit or leaves it fewer than 20 characters, then the subject text at its
 * end. Secrets are redacted.
 *
 * @example
 * alertSubject({ stage: "load", table: "fact_sales_order", key: "star/fact_sales_order/.../r-0001.parquet", subject: "COPY failed", ... })
 * // "ETL load fact_sales_order r-0001.parquet: COPY failed"
 */
export function alertSubject(alert: Alert): string {
  const file = alert.key ? ascii(alert.key.split("/").pop() ?? alert.key) : "";
  const text = ascii(redactSecrets(alert.subject)) || "alert";
  const name = (f: string) => ascii(`ETL ${alert.stage} ${alert.table ?? ""} ${f}`);
  let head = name(file);
  const short = name(middle(file, 40));
  // Room for 20 characters of the subject at least, and for all of it when shortening the file
  // name is enough (a status like "TRANSIENT, retrying" is worth more than the middle of a name).
  const fitsOnlyShort =
    head.length + 2 + text.length > MAX_SUBJECT_CHARS && short.length + 2 + text.length <= MAX_SUBJECT_CHARS;
  if (head.length + 2 + Math.min(text.length, 20) > MAX_SUBJECT_CHARS || fitsOnlyShort) head = short;
  head = end(head, MAX_SUBJECT_CHARS - 8);
  return end(`${head}: ${text}`, MAX_SUBJECT_CHARS);
}

/** The alert as a JSON document (secrets redacted), the body of the SNS message. */
export function alertMessage(alert: Alert, at: Date): string {
  const body = {
    stage: alert.stage,
    runId: alert.runId,
    ...(alert.table === undefined ? {} : { table: alert.table }),
    ...(alert.key === undefined ? {} : { key: alert.key }),
    subject: redactSecrets(alert.subject),
    at: at.toISOString(),
    detail: redactValue(alert.detail),
  };
  const text = JSON.stringify(body, null, 2);
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  const detail = JSON.stringify(body.detail);
  return JSON.stringify(
    { ...body, detail: { truncated: true, preview: detail.slice(0, MAX_MESSAGE_CHARS / 2) } },
    null,
    2,
  );
}
