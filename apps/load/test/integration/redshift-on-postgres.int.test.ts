import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { qualified, quoteIdent } from "@etl/db";
import { addColumnSql, redshiftAdditiveColumns, redshiftDeletionStatements } from "@etl/db/redshift";
import {
  cloud,
  freshBucket,
  freshDatabase,
  localDynamoClient,
  localS3Client,
  localS3Env,
} from "@etl/local-cloud/testing";
import { createObjectStoreFromEnv } from "@etl/s3-io/aws";
import { STAR_TABLE_NAMES } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createLoadDeps } from "../../src/runs/deps";
import { runLoad } from "../../src/runs/run-load";
import { localLoadEnv } from "../support/local-load-env";
import { putProcessedRun } from "../support/processed-run";
import { redshiftOnPostgres } from "../support/redshift-on-postgres";
import { SCENARIOS, type Scenario } from "../support/source-change-scenarios";
import { type Snapshot, snapshotOf } from "../support/warehouse-snapshot";

/**
 * The source-change scenarios (schema drift, hard deletes, quarantine and its retry) loaded twice
 * from the same processed runs on the local services: by the PostgreSQL warehouse, and by the
 * Redshift warehouse whose Data API runs every statement it sends on PostgreSQL (see
 * `redshiftOnPostgres` for the few bridges between the dialects). Both warehouses must end with
 * the same star: every row of every table, deletion versions, `is_deleted`/`deleted_at`, and the
 * ledger of files and runs.
 */

const redshift = mockClient(RedshiftDataClient);
const s3 = localS3Client();
const dynamo = localDynamoClient();
const ROLE = "arn:aws:iam::123456789012:role/etl-redshift-copy";
const clients: pg.Client[] = [];

let bucket: string;

beforeEach(async () => {
  redshift.reset();
  bucket = await freshBucket(s3, "rsonpg");
});

afterAll(async () => {
  redshift.restore();
  for (const c of clients) await c.end();
});

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

/** The load's deps on the local services, with new ops tables, for one warehouse target. */
async function loadDeps(target: "postgres" | "redshift", url: string) {
  const { env } = await localLoadEnv(
    dynamo,
    bucket,
    target === "postgres"
      ? { WAREHOUSE_URL: url }
      : {
          WAREHOUSE_TARGET: "redshift",
          REDSHIFT_WORKGROUP: "etl",
          REDSHIFT_DATABASE: "dev",
          REDSHIFT_COPY_ROLE_ARN: ROLE,
        },
  );
  return () => createLoadDeps(env).load;
}

/** A warehouse of the previous release: the columns added since are not there yet. */
async function dropAdditiveColumns(client: pg.Client): Promise<void> {
  for (const c of redshiftAdditiveColumns()) {
    await client.query(
      `alter table if exists ${qualified(c.schema, c.table)} drop column if exists ${quoteIdent(c.column)}`,
    );
  }
}

const time = { remainingMs: () => 14 * 60_000 };

/**
 * Loads the scenario's runs in order into one warehouse; resolves its star and ledger, and (the
 * Redshift path) the batches it sent.
 */
async function loadInto(
  target: "postgres" | "redshift",
  scenario: Scenario,
): Promise<Snapshot & { batches: string[][] }> {
  const url = await freshDatabase(target === "postgres" ? "rsonpg_pg" : "rsonpg_rs");
  const client = await connected(url);
  const harness = target === "redshift" ? redshiftOnPostgres(redshift, { client, store }) : undefined;
  await harness?.prepare();
  const depsFactory = await loadDeps(target, url);
  let deps = depsFactory();
  for (const [i, run] of scenario.runs.entries()) {
    if (i > 0 && i === scenario.previousReleaseBefore) {
      await dropAdditiveColumns(client);
      // A new deployment: a new warehouse object, whose first load migrates again.
      deps = depsFactory();
    }
    const outcome = await runLoad({ runId: run.id }, deps, time);
    expect(outcome, `${target} ${run.id}`).toMatchObject({ status: run.expect ?? "loaded" });
  }
  return { ...(await snapshotOf(client)), batches: harness?.batches ?? [] };
}

/** The tables each loaded run COPYs, and the deletion statements each sends, in load order. */
function expectedStatements(scenario: Scenario) {
  const loaded = scenario.runs.filter((r) => (r.expect ?? "loaded") === "loaded");
  return {
    copies: loaded.flatMap((r) => STAR_TABLE_NAMES.filter((t) => r.rows[t] !== undefined)),
    deletions: loaded
      .map((r) => redshiftDeletionStatements("warehouse", r.options.deletions ?? []))
      .filter((d) => d.length > 0),
  };
}

const store = createObjectStoreFromEnv({
  AWS_REGION: cloud().region,
  S3_ENDPOINT: cloud().s3Endpoint,
  ...localS3Env(),
});

describe("the Redshift statements of the source-change scenarios, run on PostgreSQL, give the PostgreSQL warehouse's star", () => {
  it.each(SCENARIOS)("$name", async (scenario) => {
    const written = new Set<string>();
    for (const run of scenario.runs) {
      // A run listed twice is one run delivered twice.
      if (!written.has(run.id)) await putProcessedRun(store, bucket, run.id, run.rows, run.options);
      written.add(run.id);
    }

    const postgres = await loadInto("postgres", scenario);
    const onRedshift = await loadInto("redshift", scenario);

    // The Redshift path ran its statements: a COPY per table of each run, and its deletion batch.
    const sent = onRedshift.batches;
    const expected = expectedStatements(scenario);
    expect(sent.flat().flatMap((sql) => /^copy "warehouse"\."stg_(\w+)"/.exec(sql)?.[1] ?? [])).toEqual(
      expected.copies,
    );
    expect(
      sent.filter((b) => expected.deletions.some((d) => JSON.stringify(d) === JSON.stringify(b))),
    ).toEqual(expected.deletions);
    // A warehouse of the previous release gets the additive columns in one batch.
    if (scenario.previousReleaseBefore !== undefined)
      expect(sent).toContainEqual(redshiftAdditiveColumns().map(addColumnSql));
    expect(onRedshift.star).toEqual(postgres.star);
    expect(onRedshift.ledger).toEqual(postgres.ledger);
    expect(onRedshift.surrogates).toEqual(postgres.surrogates);
    scenario.check?.(postgres);
  });
});
