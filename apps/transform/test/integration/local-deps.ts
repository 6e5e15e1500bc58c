import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshBucket, localDynamoClient, localS3Client, localS3Server } from "@etl/local-cloud/testing";
import { createDynamoAuditLog, ensureTables } from "@etl/ops/aws";
import { createFileAlerter } from "@etl/ops/local";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import type { TransformDeps } from "../../src/run-transform";

/** Fresh buckets and DynamoDB tables on the local cloud, and the deps of the use case on them. */
export async function localTransformDeps(partRows = 1000) {
  const s3 = localS3Client();
  const dynamo = localDynamoClient();
  const suffix = randomUUID().slice(0, 8);
  const tables = { audit: `audit-${suffix}`, failure: `failures-${suffix}`, state: `state-${suffix}` };
  await ensureTables(dynamo, tables);
  const alertFile = join(mkdtempSync(join(tmpdir(), "etl-transform-")), "alerts.jsonl");
  const deps: TransformDeps = {
    store: createS3ObjectStore(s3, { localServer: localS3Server() }),
    ingestBucket: await freshBucket(s3, "ingest"),
    processedBucket: await freshBucket(s3, "processed"),
    partRows,
    audit: createDynamoAuditLog({ client: dynamo, auditTable: tables.audit, failureTable: tables.failure }),
    alerter: createFileAlerter(alertFile, { print: () => undefined }),
    clock: () => new Date(),
  };
  const alerts = (): { subject: string }[] => {
    try {
      return readFileSync(alertFile, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { subject: string });
    } catch {
      return [];
    }
  };
  return { deps, s3, dynamo, tables, alertFile, alerts };
}
