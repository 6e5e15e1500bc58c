import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCloudState } from "@etl/local-cloud";
import { afterAll, describe, expect, it } from "vitest";
import { etl } from "../integration/run-etl";

// `etl check` where nothing runs: it starts the local services for itself, checks each one with
// a real request, and stops them again.

const dir = mkdtempSync(join(tmpdir(), "etl-check-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("etl check", () => {
  it("starts the services, checks each with a real request, and stops what it started", async () => {
    const result = await etl("check", "--data-dir", dir);

    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^local cloud started:\n/);
    expect(result.out).toContain("checks:\n");
    for (const service of ["postgres", "s3", "dynamodb"])
      expect(result.out).toMatch(new RegExp(`^ {2}ok {4}${service}\\s+\\d+ ms$`, "m"));
    expect(result.out).not.toContain("FAIL");
    expect(readCloudState(dir)).toBeUndefined();
  }, 120_000);
});
