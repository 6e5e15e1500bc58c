import { join } from "node:path";
import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { loadedRunIds, usePipelineServices } from "./pipeline-services";
import { etl, isShort } from "./run-etl";

// `etl ingest`, `etl transform` and `etl load` one at a time, on services of their own: what each
// says when there is nothing to do, when it did the work, and when the work was done already.

const world = usePipelineServices("stages", 7);
const { dir, names } = world;
const RUN_ID = /run (\d{8}T\d{9}Z-\d{8}):/;
const loadedRuns = () => loadedRunIds(world.warehouseUrl);

describe("the stage commands one by one", () => {
  let runId = "";

  it("etl transform and etl load with nothing to do say so and exit 0", async () => {
    const transform = await etl("transform", "--quiet");
    const load = await etl("load", "--quiet");

    expect(transform).toEqual({ code: 0, out: "no ingest run waits to be transformed\n", err: "" });
    expect(load).toEqual({
      code: 0,
      out: `no processed run in s3://${names.PROCESSED_BUCKET}/runs/\n`,
      err: "",
    });
  });

  it("etl ingest writes a run, and a second ingest with no change writes nothing", async () => {
    const first = await etl("ingest", "--quiet");
    const second = await etl("ingest", "--quiet");

    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      new RegExp(`^run \\S+: \\d+ rows, manifest s3://${names.INGEST_BUCKET}/runs/\\S+\\.json\\n$`),
    );
    runId = /^run (\S+):/.exec(first.out)?.[1] ?? "";
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^run \S+: nothing changed, no data written\n$/);
  });

  it("etl transform <runId> transforms it, and says so when asked again", async () => {
    const first = await etl("transform", runId, "--quiet");
    const again = await etl("transform", runId, "--quiet");

    expect(first.code).toBe(0);
    expect(RUN_ID.exec(first.out)?.[1]).toBe(runId);
    expect(first.out).toMatch(
      new RegExp(`^ {2}\\d+ rows, manifest s3://${names.PROCESSED_BUCKET}/runs/${runId}\\.json$`, "m"),
    );
    expect(again.code).toBe(0);
    expect(again.out).toContain(`  already transformed: s3://${names.PROCESSED_BUCKET}/runs/${runId}.json`);
  });

  it("etl load loads every processed run once; loading it again loads nothing more", async () => {
    const first = await etl("load", "--quiet");
    const again = await etl("load", runId, "--quiet");

    expect(first.code).toBe(0);
    expect(first.out).toMatch(new RegExp(`^run ${runId}:\\n {2}.+ in \\d+\\.\\d s\\n$`));
    expect(again.code).toBe(0);
    expect(again.out).toMatch(new RegExp(`^run ${runId}:\\n {2}.+ in \\d+\\.\\d s\\n$`));
    expect(await loadedRuns()).toEqual([runId]);
  });

  it("etl load of a run that was never transformed fails with exit 1, naming where it is recorded", async () => {
    const missing = "20261123T141500123Z-00000042";

    const result = await etl("load", missing, "--quiet");

    expect(result.code).toBe(1);
    expect(result.out).toBe(`run ${missing}:\n`);
    expect(result.err).toContain(
      `(recorded in ${names.FAILURE_TABLE}, alert in ${join(dir, "alerts.jsonl")})`,
    );
    // The alert's own line, then the command's.
    expect(isShort(result.err, 2)).toBe(true);
  });

  it("etl transform of a run that was never ingested fails with exit 1, naming the missing manifest", async () => {
    const result = await etl("transform", "20261123T141500123Z-00000043", "--quiet");

    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      new RegExp(
        `^ {2}failed: get s3://${names.INGEST_BUCKET}/runs/20261123T141500123Z-00000043\\.json: no such object$`,
        "m",
      ),
    );
    expect(isShort(result.err, 2)).toBe(true);
  });

  it("etl run refuses a totesys database with tables but no sales orders, saying to seed it", async () => {
    const databaseUrl = process.env.DATABASE_URL;
    const empty = await freshDatabase("stagesempty");
    const client = new pg.Client({ connectionString: empty });
    await client.connect();
    await client.query("create table sales_order (sales_order_id int)");
    await client.end();
    process.env.DATABASE_URL = empty;
    try {
      const result = await etl("run", "--quiet");

      expect(result).toEqual({
        code: 1,
        out: "",
        err: "etl run: the totesys database has no sales orders yet: run `etl seed` first (`etl seed --scale 1000` for a small one)\n",
      });
    } finally {
      process.env.DATABASE_URL = databaseUrl;
    }
  });

  it("with nothing held back or dead-lettered, quarantine and replay --dead-letters say so and exit 0", async () => {
    const list = await etl("quarantine", "list");
    const retry = await etl("quarantine", "retry", "--all");
    const redrive = await etl("replay", "--dead-letters");

    expect(list).toEqual({ code: 0, out: "no run has held rows back\n", err: "" });
    expect(retry).toEqual({ code: 0, out: "no held rows wait for a retry\n", err: "" });
    expect(redrive).toEqual({
      code: 0,
      out: "0 dead-lettered message(s) moved back to their queues\n",
      err: "",
    });
  });
});
