import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { localDynamoClient } from "@etl/local-cloud";
import { cloud, freshDatabase, localS3Client } from "@etl/local-cloud/testing";
import { recordBlockage } from "@etl/ops";
import { createDynamoAuditLog, createDynamoStateStore, ensureTables } from "@etl/ops/aws";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import { SCHEMA_DRIFT_NAMESPACE } from "@etl/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalQueues } from "../../src/pipeline";
import { deliverByListing, FileQueue } from "../../src/runtime";
import { etl, isShort } from "./run-etl";

// `etl status` and `etl skip` over a state made by hand: runs with and without a processed
// manifest, one that held rows back, one whose manifest does not parse, schema drift of both
// kinds, a message in flight, and blocked stages.

const dir = mkdtempSync(join(tmpdir(), "etl-status-"));
const saved = { ...process.env };
const id = randomUUID().slice(0, 8);
const names = {
  INGEST_BUCKET: `st-ingest-${id}`,
  PROCESSED_BUCKET: `st-processed-${id}`,
  LANDING_BUCKET: `st-landing-${id}`,
  STATE_TABLE: `st-state-${id}`,
  AUDIT_TABLE: `st-audit-${id}`,
  FAILURE_TABLE: `st-failures-${id}`,
};
const R1 = "20261123T141500123Z-00000001";
const R2 = "20261123T151500123Z-00000002";
const R3 = "20261123T161500123Z-00000003";
const SHA = "0".repeat(64);

function processedManifest(runId: string, previousRunId: string | null) {
  return {
    schemaVersion: 1,
    kind: "processed",
    runId,
    sequence: 1,
    previousRunId,
    createdAt: "2026-11-23T14:15:00.000Z",
    source: { bucket: names.INGEST_BUCKET, key: `runs/${runId}.json` },
    files: [],
    state: {},
    // The held rows' object is not what the manifest says (its SHA-256 differs).
    quarantine: { key: `quarantine/transform/${runId}/rows.jsonl`, rows: 3, bytes: 10, sha256: SHA },
  };
}

beforeAll(async () => {
  const c = cloud();
  Object.assign(process.env, {
    DATABASE_URL: await freshDatabase("status"),
    WAREHOUSE_URL: await freshDatabase("statuswh"),
    S3_ENDPOINT: c.s3Endpoint,
    DYNAMODB_ENDPOINT: c.dynamodbEndpoint,
    ETL_DATA_DIR: dir,
    ...names,
  });
  const s3 = localS3Client();
  for (const bucket of [names.INGEST_BUCKET, names.PROCESSED_BUCKET])
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = (bucket: string, key: string, body: string) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  for (const run of [R1, R2, R3]) await put(names.INGEST_BUCKET, `runs/${run}.json`, "{}");
  await put(names.INGEST_BUCKET, "runs/notes.txt", "not a run");
  // Held rows of R1; of R3, which is not transformed; and a folder that is not a run's.
  for (const key of [`${R1}/rows.jsonl`, `${R3}/rows.jsonl`, "notes/rows.jsonl"])
    await put(names.PROCESSED_BUCKET, `quarantine/transform/${key}`, "{}\n");
  await put(names.PROCESSED_BUCKET, `runs/${R1}.json`, JSON.stringify(processedManifest(R1, null)));
  await put(names.PROCESSED_BUCKET, `runs/${R2}.json`, JSON.stringify({ kind: "processed", broken: true }));
  // Announced already, as if the stages had seen them: the drains after a skip find nothing new.
  const seen = new FileQueue(join(dir, "seen"), "seen");
  await deliverByListing(
    createS3ObjectStore(s3),
    [names.INGEST_BUCKET, names.PROCESSED_BUCKET].map((bucket) => ({
      bucket,
      prefix: "runs/",
      queue: seen,
      shape: "s3",
    })),
    join(dir, "s3-listing", "announced.txt"),
    "eu-west-2",
  );
  s3.destroy();
  const dynamo = localDynamoClient(c);
  await ensureTables(dynamo, {
    audit: names.AUDIT_TABLE,
    failure: names.FAILURE_TABLE,
    state: names.STATE_TABLE,
  });
  const state = createDynamoStateStore({ client: dynamo, table: names.STATE_TABLE });
  const drift = { firstSeenRunId: R1, firstSeenAt: "2026-11-23T14:15:00.000Z" };
  await state.putRecord(SCHEMA_DRIFT_NAMESPACE, "new-table#refund", {
    kind: "new-table",
    table: "refund",
    ...drift,
  });
  await state.putRecord(SCHEMA_DRIFT_NAMESPACE, "added-column#staff#nickname#text", {
    kind: "added-column",
    table: "staff",
    column: "nickname",
    type: "text",
    ...drift,
  });
  const since = "2026-11-23T16:00:00.000Z";
  await recordBlockage(state, {
    stage: "load",
    runId: R2,
    code: "CHECKSUM_MISMATCH",
    reason: "bad file",
    since,
  });
  await recordBlockage(state, {
    stage: "transform",
    runId: R3,
    code: "BAD_MANIFEST",
    reason: "forged",
    since,
  });
  // An audit item with nothing but its keys: shown as a row of blanks, not "undefined".
  await DynamoDBDocumentClient.from(dynamo).send(
    new PutCommand({ TableName: names.AUDIT_TABLE, Item: { pk: "bare", sk: "item" } }),
  );
  // A message received and not yet acknowledged: in flight until its visibility timeout.
  const queue = openLocalQueues(dir).files;
  queue.send("{}");
  queue.receive(1);
});
afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe("etl status over a state made by hand", () => {
  it("shows what blocks, held rows, counts that do not add up, drift, a message in flight and no watermark", async () => {
    const result = await etl("status");

    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const text = result.out;
    // Only the three run manifests are runs; the note under runs/ is not.
    expect(text).toContain("runs (3 in all, newest 3):");
    expect(text).toMatch(new RegExp(`${R3}\\s+no\\s+-\\s+-\\s+-`));
    expect(text).toMatch(new RegExp(`${R2}\\s+yes\\s+-\\s+-\\s+FAILED: do not add up`));
    expect(text).toMatch(new RegExp(`${R1}\\s+yes\\s+-\\s+3\\s+add up`));
    expect(text).toContain(`  ${R2}: the processed manifest does not parse`);
    expect(text).toContain("rows held in quarantine: `etl quarantine list`, `show <runId>`, `retry <runId>`");
    expect(text).toMatch(/^ {2}address\s+\(none: next run reads everything\)$/m);
    expect(text).toMatch(/^ {2}new table, not ingested\s+refund\s+\S+\s+/m);
    expect(text).toMatch(/^ {2}added column, ignored\s+staff\s+nickname\s+text\s+/m);
    expect(text).toMatch(
      /^ {2}etl-files\s+pending 0, in flight 1 \(next visible \d{4}-\d\d-\d\dT[\d:.]+Z\), dead letters 0$/m,
    );
    expect(text).toMatch(
      /^recent audit \(1\):\n {2}recorded +stage +run +status +table +rows +key\n {2}[- ]+\n {2}\s*\n/m,
    );
    expect(text).not.toContain("undefined");
    expect(text.indexOf("bad file")).toBeLessThan(text.indexOf("runs (3 in all"));
  });

  it("--json says nothing has run when the ingest bucket does not exist", async () => {
    process.env.INGEST_BUCKET = `st-none-${id}`;
    try {
      const result = await etl("status", "--json");

      expect(result.code).toBe(0);
      expect(JSON.parse(result.out)).toEqual({
        runs: [],
        runsInAll: 0,
        message: `nothing has run yet: there is no bucket st-none-${id}; run \`etl seed\` and \`etl run\``,
      });
    } finally {
      process.env.INGEST_BUCKET = names.INGEST_BUCKET;
    }
  });
});

describe("etl skip over a state made by hand", () => {
  it("refuses a run that blocks nothing, naming the run that does block the stage asked", async () => {
    const none = await etl("skip", R1, "--reason", "x");
    const other = await etl("skip", R1, "--reason", "x", "--stage", "load");

    expect(none.code).toBe(1);
    expect(none.err).toContain(`run ${R1} does not block any stage: only a run that blocks is skipped`);
    expect(other.code).toBe(1);
    expect(other.err).toContain(`run ${R1} does not block the load (run ${R2} does)`);
    expect(isShort(other.err, 1)).toBe(true);
  });

  it("with ETL_DEBUG=1 a refusal that says what to do is still one line, without a stack", async () => {
    process.env.ETL_DEBUG = "1";
    try {
      const result = await etl("skip", R1, "--reason", "x");

      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `etl skip: run ${R1} does not block any stage: only a run that blocks is skipped; \`etl status\` shows what blocks\n`,
      );
    } finally {
      delete process.env.ETL_DEBUG;
    }
  });

  it("skips a load blockage whose manifest does not parse: later runs go on from the run before it by id", async () => {
    const result = await etl("skip", R2, "--reason", "  file lost  ", "--by", "ops", "--quiet");

    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toContain(`run ${R2} skipped at the load by ops: file lost\n`);
    expect(result.out).toContain(`  later runs go on from run ${R1}\n`);
    expect(result.out).toContain("  0 run(s) waiting behind it delivered again\n");
    expect(result.out).toMatch(/^ {2}load\s+0 delivered, 0 retried, 0 dead-lettered$/m);

    const status = JSON.parse((await etl("status", "--json")).out) as {
      blockages: { skipped: { runId: string; by: string; reason: string; previousRunId: string | null }[] };
      audit: { status: string; runId: string }[];
    };
    expect(status.blockages.skipped).toEqual([
      expect.objectContaining({ runId: R2, by: "ops", reason: "file lost", previousRunId: R1 }),
    ]);
    expect(status.audit).toContainEqual(expect.objectContaining({ status: "SKIPPED", runId: R2 }));
  });

  it("skips a transform blockage: later runs go on from the ingest run before it", async () => {
    const result = await etl(
      "skip",
      R3,
      "--reason",
      "forged",
      "--stage",
      "transform",
      "--by",
      "ops",
      "--quiet",
    );

    expect(result.code).toBe(0);
    expect(result.out).toContain(`run ${R3} skipped at the transform by ops: forged\n`);
    expect(result.out).toContain(`  later runs go on from run ${R2}\n`);
  });

  it("skips the first run at the transform: later runs go on from the start", async () => {
    const dynamo = localDynamoClient(cloud());
    const state = createDynamoStateStore({ client: dynamo, table: names.STATE_TABLE });
    await recordBlockage(state, {
      stage: "transform",
      runId: R1,
      code: "BAD_MANIFEST",
      reason: "forged",
      since: "2026-11-23T17:00:00.000Z",
    });
    dynamo.destroy();

    const result = await etl("skip", R1, "--reason", "forged", "--by", "ops", "--quiet");

    expect(result.code).toBe(0);
    expect(result.out).toContain(`run ${R1} skipped at the transform by ops: forged\n`);
    expect(result.out).toContain("  later runs go on from the start\n");
  });

  it("refuses to skip at the load a run that has no processed manifest", async () => {
    const dynamo = localDynamoClient(cloud());
    const state = createDynamoStateStore({ client: dynamo, table: names.STATE_TABLE });
    await recordBlockage(state, {
      stage: "load",
      runId: R3,
      code: "CHECKSUM_MISMATCH",
      reason: "bad",
      since: "2026-11-23T17:00:00.000Z",
    });
    dynamo.destroy();

    const result = await etl("skip", R3, "--reason", "x", "--stage", "load");

    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `etl skip: run ${R3} has no processed manifest in ${names.PROCESSED_BUCKET}: it is not transformed, so the load has nothing of it to skip\n`,
    );
  });
});

describe("etl quarantine over a state made by hand", () => {
  it("lists only the transformed runs that held rows, without tables when the manifest has no counts", async () => {
    const result = await etl("quarantine", "list");
    const json = await etl("quarantine", "list", "--json");

    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      new RegExp(`^runs that held rows back \\(1\\):\n.*\n.*\n {2}${R1}\\s+3\\s+no\n$`),
    );
    expect(JSON.parse(json.out)).toEqual({ runs: [{ runId: R1, rows: 3, tables: {} }] });
  });

  it("refuses to show held rows whose object differs from the manifest, in one line and exit 1", async () => {
    const result = await etl("quarantine", "show", R1);

    expect(result).toEqual({
      code: 1,
      out: "",
      err: `etl quarantine: quarantine/transform/${R1}/rows.jsonl differs from what run ${R1}'s manifest says it holds\n`,
    });
  });
});

describe("etl report over a state made by hand", () => {
  it("lists the failures with their table or file, and the runs that held rows back", async () => {
    const dynamo = localDynamoClient(cloud());
    const log = createDynamoAuditLog({
      client: dynamo,
      auditTable: names.AUDIT_TABLE,
      failureTable: names.FAILURE_TABLE,
    });
    await log.recordFailure({
      stage: "load",
      runId: R2,
      error: "checksum mismatch in the star file",
      retryable: false,
      table: "fact_sales_order",
      key: "star/fact_sales_order/part-0001.parquet",
    });
    await log.recordFailure({ stage: "transform", runId: R3, error: "forged manifest", retryable: false });
    dynamo.destroy();
    const file = join(dir, "report.html");
    expect((await etl("migrate")).code).toBe(0);

    const result = await etl("report", "--out", file);

    expect(result.code).toBe(0);
    // The page's cells, one tab between each (empty cells vanish).
    const cells = readFileSync(file, "utf8")
      .replace(/<[^>]+>/g, "\t")
      .replace(/\s*\t\s*/g, "\t")
      .replace(/\t+/g, "\t");
    expect(cells).toContain(`\tload\t${R2}\tfact_sales_order\tchecksum mismatch in the star file\t`);
    expect(cells).toContain(`\ttransform\t${R3}\tforged manifest\t`);
    expect(cells).toMatch(new RegExp(`Quarantined inputs\tstage\trun\theld\trows\ttransform\t${R1}\t3\t`));
  });
});
