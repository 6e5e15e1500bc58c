import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DeleteTableCommand, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { quoteIdent } from "@etl/db";
import { localDynamoClient } from "@etl/local-cloud";
import { ObjectNotFoundError } from "@etl/s3-io";
import { createS3Client, createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
import pg from "pg";
import type { LocalEnvironment } from "./environment";

export interface ResetSummary {
  objects: number;
  tables: string[];
  schemas: string[];
}

/**
 * Forgets everything the pipeline remembers about the source, so that the next run reads a
 * reseeded totesys from the start: the ingest and processed buckets' objects (runs, raw and star
 * files, state), the state, audit and failure tables (watermarks, run sequence, claims), the local
 * queues and S3 event spool, and the warehouse's star schema and load ledger (the next `etl run`
 * creates them again). The landing bucket and the file-load rules are left alone.
 */
export async function resetPipelineState(local: LocalEnvironment): Promise<ResetSummary> {
  const env = local.env;
  const s3 = createS3Client({ region: local.endpoints.region, endpoint: local.endpoints.s3Endpoint });
  const store = createS3ObjectStore(s3, { localServer: isLocalS3Server(env) });
  let objects = 0;
  for (const bucket of [env.INGEST_BUCKET, env.PROCESSED_BUCKET]) {
    if (!bucket) continue;
    try {
      const keys: string[] = [];
      for await (const o of store.list(bucket, "")) keys.push(o.key);
      for (const key of keys) await store.delete(bucket, key);
      objects += keys.length;
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
    }
  }
  s3.destroy();

  const dynamo = localDynamoClient(local.endpoints);
  const tables: string[] = [];
  try {
    for (const table of [env.STATE_TABLE, env.AUDIT_TABLE, env.FAILURE_TABLE]) {
      if (!table) continue;
      try {
        await dynamo.send(new DeleteTableCommand({ TableName: table }));
        tables.push(table);
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }
  } finally {
    dynamo.destroy();
  }

  // The star schema and the load ledger (`etl`); the file-load rules (`etl_control`) stay.
  const schemas = [env.WAREHOUSE_SCHEMA ?? "warehouse", "etl"];
  const warehouse = new pg.Client({ connectionString: env.WAREHOUSE_URL });
  await warehouse.connect();
  try {
    for (const schema of schemas)
      await warehouse.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
  } finally {
    await warehouse.end();
  }

  const dataDir = local.endpoints.dataDir;
  rmSync(join(dataDir, "queues"), { recursive: true, force: true });
  rmSync(join(dataDir, "s3-listing"), { recursive: true, force: true });
  const events = local.endpoints.eventsDir;
  if (existsSync(events))
    for (const file of readdirSync(events))
      if (file.endsWith(".json")) rmSync(join(events, file), { force: true });
  return { objects, tables, schemas };
}
