import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloud, freshDatabase } from "@etl/local-cloud/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "../../src/cli/command";
import { seed } from "../../src/cli/commands/seed";
import { captureOutput } from "./run-etl";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("etl seed", () => {
  it("seeds the given database, prints each table and a total, and refuses to seed it twice", async () => {
    const url = await freshDatabase("cli");
    const output = captureOutput();

    const first = await seed.run(parse(seed, ["--scale", "100", "--seed", "3", "--database-url", url]));
    const second = await seed.run(parse(seed, ["--scale", "100", "--database-url", url]));
    const changes = await seed.run(parse(seed, ["--changes", "--database-url", url]));

    expect([first, second, changes]).toEqual([0, 1, 0]);
    expect(output.text()).toMatch(/sales_order\s+100 rows/);
    expect(output.text()).toMatch(/total\s+[\d,]+ rows/);
    expect(output.text()).toContain("pass --reset to replace them");
    expect(output.text()).toMatch(/sales_order\s+\+5 new/);
    expect(output.text()).not.toContain(new URL(url).password);
  });

  it.each([["99"], ["10000001"], ["abc"], ["1e6"]])("refuses --scale %s", async (scale) => {
    const output = captureOutput();

    const code = await seed.run(parse(seed, ["--scale", scale, "--database-url", "postgres://unused"]));

    expect(code).toBe(2);
    expect(output.text()).toContain("--scale must be an integer from 100 to 10,000,000");
  });

  it("--reset of a totesys the pipeline does not read leaves the pipeline's state as it is, and says so", async () => {
    const url = await freshDatabase("cliother");
    const vars = ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"] as const;
    const saved = Object.fromEntries(vars.map((k) => [k, process.env[k]]));
    const c = cloud();
    Object.assign(process.env, {
      DATABASE_URL: c.databaseUrl,
      WAREHOUSE_URL: c.warehouseUrl,
      S3_ENDPOINT: c.s3Endpoint,
      DYNAMODB_ENDPOINT: c.dynamodbEndpoint,
    });
    try {
      const output = captureOutput();

      const code = await seed.run(parse(seed, ["--scale", "100", "--reset", "--database-url", url]));

      expect(code).toBe(0);
      expect(output.text()).toContain(
        "  pipeline state: left as it is (its services read another totesys than the one reseeded)\n",
      );
    } finally {
      for (const k of vars)
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    }
  });

  it("--reset with no local services for the pipeline resets nothing, and says so", async () => {
    const url = await freshDatabase("clinone");
    const vars = ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"] as const;
    const saved = Object.fromEntries(vars.map((k) => [k, process.env[k]]));
    for (const k of vars) delete process.env[k];
    const dir = mkdtempSync(join(tmpdir(), "etl-seed-"));
    try {
      const output = captureOutput();

      const code = await seed.run(
        parse(seed, ["--scale", "100", "--reset", "--database-url", url, "--data-dir", dir]),
      );

      expect(code).toBe(0);
      expect(output.text()).toContain("  pipeline state: no local services for it, nothing to reset\n");
    } finally {
      for (const k of vars) if (saved[k] !== undefined) process.env[k] = saved[k];
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--changes on a database that was never seeded fails with exit 1, saying to seed it", async () => {
    const url = await freshDatabase("clinever");
    const output = captureOutput();

    const code = await seed.run(parse(seed, ["--changes", "--database-url", url]));

    expect(code).toBe(1);
    expect(output.text()).toContain("etl seed: the database holds no seeded totesys: run `etl seed` first\n");
    expect(output.text()).not.toContain("does not exist");
  });
});
