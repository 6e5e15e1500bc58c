import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { localS3Client } from "@etl/local-cloud/testing";
import { describe, expect, it } from "vitest";
import { loadedRunIds, usePipelineServices } from "./pipeline-services";
import { etl, isShort } from "./run-etl";

const world = usePipelineServices("ops", 5);
const { dir, names } = world;
const ledger = () => loadedRunIds(world.warehouseUrl);

describe("errors are one or two lines", () => {
  it.each([
    [["status", "--limit", "abc"], 2, /--limit must be a whole number/],
    [["status", "--nope"], 2, /Unknown option '--nope'/],
    [
      ["replay", "not-a-run-id"],
      2,
      /"not-a-run-id" is neither a run id \(like 20261123T141500123Z-00000042\)/,
    ],
    [["replay"], 2, /give a run id/],
    [["replay", "s3://elsewhere/runs/x.json"], 2, /elsewhere is not a bucket the pipeline watches/],
    [["replay", `s3://${names.INGEST_BUCKET}/raw/x.jsonl.gz`], 2, /only run manifests/],
    [
      ["replay", "20261123T141500123Z-00000042"],
      1,
      /no ingest manifest s3:\/\/ops-ingest-.*runs\/20261123T141500123Z-00000042\.json: `etl status`/,
    ],
    [["load", "nope"], 2, /"nope" is not a run id: run ids look like/],
    [["transform", "nope"], 2, /"nope" is not a run id/],
    [["frobnicate"], 2, /unknown command "frobnicate"/],
    [["quarantine"], 2, /give list, show <runId> or retry <runId \| --all>/],
    [["quarantine", "show", "nope"], 2, /"nope" is not a run id; `etl quarantine list`/],
    [["quarantine", "retry"], 2, /needs a run id or --all/],
    [
      ["quarantine", "retry", "20261123T141500123Z-00000042"],
      1,
      /run 20261123T141500123Z-00000042 is not transformed: `etl status` lists the runs/,
    ],
  ])("etl %j exits %i with a short message", async (argv, code, message) => {
    const result = await etl(...argv);

    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(isShort(result.err)).toBe(true);
    expect(result.err).not.toMatch(/ZodError|"origin"|\n\s+at /);
  });

  it("etl status before anything ran says so and what to run", async () => {
    const result = await etl("status");

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/nothing has run yet.*`etl seed` and `etl run`/);
  });

  it("etl status without any local services says to start them", async () => {
    const { DATABASE_URL, WAREHOUSE_URL, S3_ENDPOINT, DYNAMODB_ENDPOINT } = process.env;
    for (const key of ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"])
      delete process.env[key];
    try {
      const result = await etl("status", "--data-dir", join(dir, "nothing-here"));

      expect(result.code).toBe(1);
      expect(result.err).toMatch(/no local cloud is running .*run `etl up`/);
      expect(isShort(result.err, 1)).toBe(true);
    } finally {
      Object.assign(process.env, { DATABASE_URL, WAREHOUSE_URL, S3_ENDPOINT, DYNAMODB_ENDPOINT });
    }
  });
});

describe("etl replay", () => {
  let runId = "";

  it("replays a run by id, by its ingest manifest and by its processed manifest", async () => {
    expect((await etl("ingest")).code).toBe(0);
    const transformed = await etl("transform");
    expect(transformed.code).toBe(0);
    runId = /run (\d{8}T\d{9}Z-\d{8}):/.exec(transformed.out)?.[1] ?? "";
    expect(runId).not.toBe("");

    const processed = await etl("replay", `s3://${names.PROCESSED_BUCKET}/runs/${runId}.json`);
    expect(processed.err).toBe("");
    expect(processed.code).toBe(0);
    expect(processed.out).toContain(
      `queued s3://${names.PROCESSED_BUCKET}/runs/${runId}.json on etl-load.fifo`,
    );
    // The drain also delivers the notification the local S3 server spooled when `etl transform`
    // wrote the manifest: two deliveries of one run, loaded once.
    expect(processed.out).toMatch(/load\s+[12] delivered, 0 retried, 0 dead-lettered/);
    expect(await ledger()).toEqual([runId]);

    const ingest = await etl("replay", `s3://${names.INGEST_BUCKET}/runs/${runId}.json`);
    expect(ingest.code).toBe(0);
    expect(ingest.out).toContain("on etl-transform");
    // And here the notification spooled when `etl ingest` wrote the manifest.
    expect(ingest.out).toMatch(/transform\s+[12] delivered, 0 retried, 0 dead-lettered/);

    const byId = await etl("replay", runId);
    expect(byId.code).toBe(0);
    expect(byId.out).toMatch(/transform\s+1 delivered/);
    expect(await ledger()).toEqual([runId]);
  });

  it("replays a landed file to the files queue and the files stage alone", async () => {
    const s3 = localS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: names.LANDING_BUCKET })).catch(() => undefined);
    await s3.send(
      new PutObjectCommand({ Bucket: names.LANDING_BUCKET, Key: "landing/other/a.csv", Body: "a,b\n1,2\n" }),
    );
    s3.destroy();

    const result = await etl("replay", `s3://${names.LANDING_BUCKET}/landing/other/a.csv`);

    expect(result.out).toContain(`queued s3://${names.LANDING_BUCKET}/landing/other/a.csv on etl-files`);
    // Routing only: what a file without a rule then becomes is the files stage's own outcome.
    expect(result.out).toMatch(/^ {2}files\s+\d+ delivered/m);
    expect(result.out).not.toMatch(/transform|load /);
  });

  it("etl status --json prints only JSON, with the run transformed and loaded", async () => {
    const result = await etl("status", "--json", "--limit", "5");

    expect(result.code).toBe(0);
    const status = JSON.parse(result.out) as {
      runs: { runId: string; transformed: boolean; loaded: string }[];
    };
    // The load's audited rows per table equal the manifest's files, which equal what was read.
    expect(status.runs).toEqual([
      { runId, transformed: true, loaded: expect.any(String), quarantined: 0, countProblems: [] },
    ]);
  });

  it("etl status shows a run whose counts do not add up as a failure, naming the table", async () => {
    const s3 = localS3Client();
    const key = `runs/${runId}.json`;
    const read = await s3.send(new GetObjectCommand({ Bucket: names.PROCESSED_BUCKET, Key: key }));
    const manifest = JSON.parse((await read.Body?.transformToString()) ?? "{}") as {
      counts: { table: string; read: number }[];
    };
    const sales = manifest.counts.find((c) => c.table === "sales_order");
    if (sales === undefined) throw new Error("no sales_order counts");
    const readBefore = sales.read;
    sales.read += 2;
    await s3.send(
      new PutObjectCommand({ Bucket: names.PROCESSED_BUCKET, Key: key, Body: JSON.stringify(manifest) }),
    );
    s3.destroy();

    const result = await etl("status", "--limit", "5");

    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`${runId}\\s+yes\\s+\\S+\\s+-\\s+FAILED: do not add up`));
    expect(result.out).toContain(
      `${runId}: sales_order: read ${readBefore + 2}, transformed ${readBefore} + quarantined 0`,
    );
  });

  it("etl status prints the runs, watermarks, queues, audit and failures as tables", async () => {
    const result = await etl("status", "--limit", "3");

    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    expect(result.out).toMatch(
      new RegExp(
        `runs \\(1 in all, newest 1\\):\\n.*run\\s+transformed\\s+loaded.*\\n.*${runId}\\s+yes\\s+FINISHED`,
        "s",
      ),
    );
    expect(result.out).toMatch(
      /watermarks \(rows with last_updated above them are read by the next run\):\n\s+address\s+\d{4}-\d\d-\d\d /,
    );
    expect(result.out).toMatch(
      /queues \(in flight: being handled, or waiting for a retry\):\n\s+\S+\s+pending 0, in flight 0, dead letters 0/,
    );
    expect(result.out).toMatch(/recent audit \(3\):\n\s+recorded\s+stage\s+run\s+status/);
    expect(result.out).toMatch(/recent failures \(\d+\):/);
  });
});
