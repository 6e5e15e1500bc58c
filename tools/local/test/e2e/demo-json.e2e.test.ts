import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { etl } from "../integration/run-etl";

// `etl demo --json` in a process of its own: the files stage's handler module, once imported,
// keeps the endpoints of the services it first ran against (a process runs one command).

const dir = mkdtempSync(join(tmpdir(), "etl-demo-json-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("etl demo --json", () => {
  it("--json prints only the report as JSON, with the default seed, and no step or progress", async () => {
    const result = await etl("demo", "--scale", "100", "--json", "--data-dir", dir);

    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as {
      scale: number;
      seed: number;
      cycles: unknown[];
      changes: { deleted: { payment: number[] } };
      failures: { deadLetters: number; alerts: number; handlerErrors: number };
    };
    expect(report).toMatchObject({
      scale: 100,
      seed: 1,
      failures: { deadLetters: 0, alerts: 0, handlerErrors: 0 },
    });
    expect(report.cycles).toHaveLength(2);
    expect(report.changes.deleted.payment).toHaveLength(1);
  }, 240_000);
});
