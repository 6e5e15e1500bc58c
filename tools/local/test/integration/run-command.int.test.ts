import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startLocalCloud } from "@etl/local-cloud";
import { seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "../../src/cli/command";
import { run } from "../../src/cli/commands/pipeline";
import { captureOutput } from "./run-etl";

let cloud: RunningCloud;
let dataDir = "";
const saved = { ...process.env };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "etl-run-"));
  cloud = await startLocalCloud({ dataDir });
  for (const key of ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"])
    delete process.env[key];
  await seedDatabase({ databaseUrl: cloud.endpoints.databaseUrl, seed: 3, scale: 100 });
}, 240_000);

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  process.env = saved;
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("etl run", () => {
  it("exits 0 when every stage got its messages through", async () => {
    const output = captureOutput();

    const code = await run.run(parse(run, ["--data-dir", dataDir]));

    expect(output.text()).not.toMatch(/FAILED|DEAD-LETTERED|RETRY PENDING/);
    expect(code).toBe(0);
  }, 240_000);

  it("exits 1 and names the stage and run when the transform fails on bad data", async () => {
    const oltp = new pg.Client({ connectionString: cloud.endpoints.databaseUrl });
    await oltp.connect();
    await oltp.query(
      "insert into currency (currency_id, currency_code, created_at, last_updated) values (99, 'QQQ', now(), now())",
    );
    await oltp.end();
    const output = captureOutput();

    const code = await run.run(parse(run, ["--data-dir", dataDir]));

    const runId = /ingest\s+run (\S+):/.exec(output.text())?.[1];
    expect(runId).toMatch(/^\d{8}T/);
    expect(output.text()).toContain(`FAILED transform run ${runId}`);
    expect(output.text()).toContain("QQQ");
    expect(code).toBe(1);
  }, 240_000);
});
