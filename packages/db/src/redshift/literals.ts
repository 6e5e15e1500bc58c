import { DataError } from "@etl/schemas";

/**
 * Values written into Redshift SQL as literals: `BatchExecuteStatement` takes no parameters, so
 * the few values a batch needs (S3 URIs, the COPY role, run id, keys, checksums, times) are
 * written as literals, and only after they pass `sqlLiteral`'s allow-list.
 */

const LITERAL = /^[A-Za-z0-9 _./:=+@,-]*$/;

/**
 * A value as a SQL string literal, refused unless it holds only letters, digits, space and
 * `_ . / : = + @ , -`: no quote, no backslash (an escape character in Redshift literals), no
 * semicolon, no control character. Object keys, ARNs, run ids and checksums all fit.
 */
export function sqlLiteral(value: string, what = "value"): string {
  if (!LITERAL.test(value) || value.length > 1024) {
    throw new DataError(
      `refused ${what} in SQL: ${JSON.stringify(value.slice(0, 80))} has characters outside the allow-list`,
      {
        code: "BAD_LITERAL",
      },
    );
  }
  return `'${value}'`;
}

const IAM_ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;

/** The COPY role, checked to be an IAM role ARN. */
export function iamRoleLiteral(arn: string): string {
  if (!IAM_ROLE.test(arn)) throw new DataError("the COPY role is not an IAM role ARN", { code: "BAD_ROLE" });
  return sqlLiteral(arn, "IAM role");
}

/** `s3://bucket/key`, for a COPY or a COPY manifest entry. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** A timestamp literal PostgreSQL and Redshift both read: `'2026-11-23 14:00:00.123+00'`. */
export function timestampLiteral(at: Date): string {
  return `cast(${sqlLiteral(at.toISOString().replace("T", " ").replace("Z", "+00"))} as timestamptz)`;
}

/**
 * A COPY manifest for several Parquet files: Redshift needs each file's exact `content_length`
 * for columnar formats.
 */
export function copyManifest(entries: readonly { uri: string; bytes: number }[]): string {
  return JSON.stringify({
    entries: entries.map((e) => ({ url: e.uri, mandatory: true, meta: { content_length: e.bytes } })),
  });
}
