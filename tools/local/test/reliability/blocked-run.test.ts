import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { localS3Client } from "@etl/local-cloud";
import { runManifestKey } from "@etl/s3-io";
import { ProcessedRunManifestSchema, type RunId } from "@etl/schemas";
import { applyChanges } from "@etl/synthetic";
import { describe, expect, it } from "vitest";
import type { Command } from "../../src/cli/command";
import { replay } from "../../src/cli/commands/replay";
import { skip } from "../../src/cli/commands/skip";
import { status } from "../../src/cli/commands/status";
import { type Scenario, useScenarios } from "./harness";

/**
 * A run that fails for good for a reason that is not a row (a processed file corrupted after the
 * transform) no longer blocks the later runs silently: `etl status` says the load is blocked
 * since that run and why, one alert says so, the run behind it is acknowledged on the record
 * rather than retried into the dead-letter queue, and both ways out end with nothing lost: fix
 * and `etl replay`, or `etl skip` on the record (and, once fixed, `etl replay` loads it late).
 */

const scenario = useScenarios();

/** Runs an `etl` command as typed, with string options (`--reason "..."`); returns its output. */
async function etl(
  s: Scenario,
  command: Command,
  positionals: string[],
  options: Record<string, string | boolean> = {},
): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await command.run({ values: { "data-dir": s.dataDir, ...options }, positionals });
    return { code, output: lines.join("") };
  } finally {
    process.stdout.write = write;
  }
}

function alertSubjects(s: Scenario): string[] {
  const file = join(s.dataDir, "alerts.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { subject: string }).subject);
}

interface BlockedJson {
  blockages: {
    blocked: { stage: string; runId: string; code: string; reason: string; waiting: string[] }[];
    skipped: { stage: string; runId: string; reason: string; by: string; previousRunId: string | null }[];
  };
  audit: { stage?: string; runId?: string; status?: string; note?: string }[];
}

async function statusJson(s: Scenario): Promise<BlockedJson> {
  return JSON.parse((await etl(s, status, [], { json: true, limit: "50" })).output) as BlockedJson;
}

async function loadedRuns(s: Scenario): Promise<string[]> {
  const { rows } = await s.warehouse.query<{ run_id: string }>(
    "select run_id from etl.load_runs where status = 'FINISHED' order by run_id",
  );
  return rows.map((r) => r.run_id);
}

/** A processed file of the run, replaced by other bytes (as a bad copy or a disk fault would); returns a restore. */
async function corruptProcessedFile(
  s: Scenario,
  runId: string,
): Promise<{ key: string; restore(): Promise<void> }> {
  const s3 = localS3Client(s.local.endpoints);
  const bucket = s.env.PROCESSED_BUCKET ?? "";
  const manifestBody = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: runManifestKey(runId as RunId) }),
  );
  const manifest = ProcessedRunManifestSchema.parse(
    JSON.parse(await (manifestBody.Body?.transformToString() ?? "")),
  );
  const file = manifest.files.find((f) => f.table === "fact_sales_order");
  if (!file) throw new Error(`run ${runId} has no fact_sales_order file`);
  const good = await (
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: file.key }))
  ).Body?.transformToByteArray();
  if (!good) throw new Error(`no body for ${file.key}`);
  const bad = Uint8Array.from(good);
  bad[Math.floor(bad.length / 2)] = (bad[Math.floor(bad.length / 2)] ?? 0) ^ 0xff;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: bad }));
  return {
    key: file.key,
    async restore() {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: good }));
      s3.destroy();
    },
  };
}

/**
 * Three runs: run 1 loads; run 2 is transformed, then one of its processed files is corrupted
 * before its load; run 3 comes after it. Snapshots as each run read the source, for the reference.
 */
async function threeRunsWithRun2Corrupt(s: Scenario) {
  await s.cycle();
  await s.snapshot();
  await applyChanges({ databaseUrl: s.env.DATABASE_URL ?? "", seed: 21 });
  const run2 = ((await s.pipeline.ingest()).result as { runId: string }).runId;
  await s.pipeline.transform();
  const corrupt = await corruptProcessedFile(s, run2);
  await s.pipeline.load();
  await s.snapshot();
  await applyChanges({ databaseUrl: s.env.DATABASE_URL ?? "", seed: 22 });
  const third = await s.cycle();
  if (!third.runId) throw new Error("run 3 ingested nothing");
  return { run2, run3: third.runId, corrupt, third };
}

async function endState(s: Scenario) {
  return {
    differences: await s.differences(),
    unreadBelowWatermarks: await s.unreadBelowWatermarks(),
    queues: s.queueDepth(),
  };
}

const SETTLED = { differences: [], unreadBelowWatermarks: [], queues: { pending: 0, inflight: 0, dead: 0 } };

describe("no silent blockage: a run that fails for good is shown, alerted once, and unblocked with nothing lost", () => {
  it("status shows the load blocked since run 2 with the reason and one run behind it; one alert; nothing dead-lettered", async () => {
    const s = await scenario("blocked-shown");

    const { run2, run3, corrupt, third } = await threeRunsWithRun2Corrupt(s);

    const json = await statusJson(s);
    expect(third.problems).toEqual([
      expect.objectContaining({
        stage: "load",
        status: "failed",
        runId: run3,
        error: expect.stringContaining(`blocked: waits behind run ${run2}`),
      }),
    ]);
    expect(json.blockages.blocked).toEqual([
      expect.objectContaining({ stage: "load", runId: run2, code: "CHECKSUM_MISMATCH", waiting: [run3] }),
    ]);
    expect(json.blockages.blocked[0]?.reason).toContain(corrupt.key);
    const { output } = await etl(s, status, []);
    expect(output).toContain(`load BLOCKED since run ${run2} because fact_sales_order ${corrupt.key}`);
    expect(output).toMatch(/sha256 \w+ differs from the manifest's \w+ \(CHECKSUM_MISMATCH, failed /);
    expect(output).toContain(`1 run(s) wait behind it: ${run3}`);
    expect(output).toContain(`etl replay ${run2}`);
    expect(output).toContain(`etl skip ${run2} --reason`);
    expect(alertSubjects(s)).toEqual([
      expect.stringMatching(/^ETL load fact_sales_order .*: BLOCKING \(CHECKSUM_MISMATCH\)$/),
    ]);
    expect(json.audit).toContainEqual(expect.objectContaining({ runId: run3, status: "BLOCKED" }));
    expect(s.queueDepth()).toEqual({ pending: 0, inflight: 0, dead: 0 });
    expect(await loadedRuns(s)).toHaveLength(1);
  }, 180_000);

  it("fix and replay: the good file put back, `etl replay <run 2>` loads it and run 3 follows; the warehouse equals the reference", async () => {
    const s = await scenario("blocked-fixed");
    const { run2, run3, corrupt } = await threeRunsWithRun2Corrupt(s);
    await corrupt.restore();

    const replayed = await etl(s, replay, [run2]);

    expect(replayed.output).toContain(`and the 1 run(s) waiting behind it: ${run3}`);
    expect(replayed.code, replayed.output).toBe(0);
    expect((await loadedRuns(s)).slice(1)).toEqual([run2, run3]);
    expect((await statusJson(s)).blockages).toEqual({ blocked: [], held: [], skipped: [] });
    expect(alertSubjects(s)).toHaveLength(1);
    expect(await endState(s), s.incidents()).toEqual(SETTLED);
  }, 180_000);

  it("recorded skip: run 3 loads after run 1, the skip is audited with who and why, and run 2 still loads later once fixed", async () => {
    const s = await scenario("blocked-skipped");
    const { run2, run3, corrupt } = await threeRunsWithRun2Corrupt(s);
    const [run1] = await loadedRuns(s);

    const skipped = await etl(s, skip, [run2], {
      reason: "file corrupted in the bucket; restoring it from backup",
      by: "ops-oncall",
    });

    expect(skipped.code, skipped.output).toBe(0);
    expect(skipped.output).toContain(`run ${run2} skipped at the load by ops-oncall`);
    expect(await loadedRuns(s)).toEqual([run1, run3]);
    const after = await statusJson(s);
    expect(after.blockages.blocked).toEqual([]);
    expect(after.blockages.skipped).toEqual([
      expect.objectContaining({
        stage: "load",
        runId: run2,
        by: "ops-oncall",
        reason: "file corrupted in the bucket; restoring it from backup",
        previousRunId: run1,
      }),
    ]);
    expect(after.audit).toContainEqual(
      expect.objectContaining({
        stage: "load",
        runId: run2,
        status: "SKIPPED",
        note: expect.stringContaining("skipped on the record by ops-oncall"),
      }),
    );
    expect((await etl(s, status, [])).output).toMatch(
      /runs skipped on the record:\n\s+load\s+\S+ by ops-oncall/,
    );

    // Nothing lost: the skipped run's files stay; once the file is good again it loads late,
    // and a late load cannot make the warehouse older.
    await corrupt.restore();
    const late = await etl(s, replay, [`s3://${s.env.PROCESSED_BUCKET}/${runManifestKey(run2 as RunId)}`]);

    expect(late.code, late.output).toBe(0);
    expect(await loadedRuns(s)).toEqual([run1, run2, run3]);
    expect(alertSubjects(s)).toHaveLength(1);
    expect(await endState(s), s.incidents()).toEqual(SETTLED);
  }, 180_000);

  it("a forged ingest manifest blocks the transform: shown and alerted once; the real one put back, `etl replay` transforms and loads it and the run behind it", async () => {
    const s = await scenario("blocked-transform");
    await s.cycle();
    await s.snapshot();
    await applyChanges({ databaseUrl: s.env.DATABASE_URL ?? "", seed: 31 });
    const run2 = ((await s.pipeline.ingest()).result as { runId: string }).runId;
    const s3 = localS3Client(s.local.endpoints);
    const bucket = s.env.INGEST_BUCKET ?? "";
    const key = runManifestKey(run2 as RunId);
    const real = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    ).Body?.transformToString();
    const forged = { ...JSON.parse(real ?? "{}"), runId: "20200101T000000000Z-00000099" };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(forged) }));
    await s.pipeline.transform();
    await s.pipeline.load();
    await s.snapshot();
    await applyChanges({ databaseUrl: s.env.DATABASE_URL ?? "", seed: 32 });
    const run3 = (await s.cycle()).runId;

    const blocked = await statusJson(s);

    expect(blocked.blockages.blocked).toEqual([
      expect.objectContaining({ stage: "transform", runId: run2, code: "BAD_MANIFEST", waiting: [run3] }),
    ]);
    expect((await etl(s, status, [])).output).toContain(`transform BLOCKED since run ${run2} because`);
    expect(alertSubjects(s)).toEqual([expect.stringMatching(/^ETL transform.*: BLOCKING \(BAD_MANIFEST\)$/)]);
    expect(s.queueDepth()).toEqual({ pending: 0, inflight: 0, dead: 0 });

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: real }));
    s3.destroy();
    const replayed = await etl(s, replay, [run2]);

    expect(replayed.code, replayed.output).toBe(0);
    expect(replayed.output).toContain(`and the 1 run(s) waiting behind it: ${run3}`);
    expect((await loadedRuns(s)).slice(1)).toEqual([run2, run3]);
    expect((await statusJson(s)).blockages.blocked).toEqual([]);
    expect(alertSubjects(s)).toHaveLength(1);
    expect(await endState(s), s.incidents()).toEqual(SETTLED);
  }, 180_000);
});
