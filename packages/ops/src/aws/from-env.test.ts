import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createOpsAdapters } from "./from-env";

const base = { AWS_REGION: "eu-west-2", AUDIT_TABLE: "audit", FAILURE_TABLE: "failures" };

describe("createOpsAdapters", () => {
  it("sends alerts to the local file when no topic is set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "etl-ops-"));
    const file = join(dir, "alerts.jsonl");
    const { alerter } = createOpsAdapters({ ...base, ALERT_FILE: file });

    await alerter.alert({
      stage: "ingest",
      runId: "r1",
      subject: "ingest failed",
      detail: { error: "boom" },
    });
    const lines = readFileSync(file, "utf8").trim().split("\n");
    rmSync(dir, { recursive: true, force: true });

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      message: { stage: "ingest", runId: "r1", detail: { error: "boom" } },
    });
  });

  it("builds a state store only when the env names a state table", () => {
    expect(createOpsAdapters(base)).not.toHaveProperty("state");
    expect(createOpsAdapters({ ...base, STATE_TABLE: "state" }).state).toBeDefined();
  });

  it("points DynamoDB at the local endpoint when one is set", async () => {
    const { dynamo } = createOpsAdapters({ ...base, DYNAMODB_ENDPOINT: "http://127.0.0.1:4567" });

    const endpoint = await dynamo.config.endpoint?.();

    expect(endpoint?.hostname).toBe("127.0.0.1");
    expect(endpoint?.port).toBe(4567);
  });
});
