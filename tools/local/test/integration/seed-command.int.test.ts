import { freshDatabase } from "@etl/local-cloud/testing";
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
});
