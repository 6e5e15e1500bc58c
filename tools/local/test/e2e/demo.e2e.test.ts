import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCloudState } from "@etl/local-cloud";
import { afterAll, describe, expect, it } from "vitest";
import { etl } from "../integration/run-etl";

// `etl demo` end to end, at the smallest scale: on services of its own, under <data dir>/demo,
// stopped at the end; the caller's services (the test's local cloud) are left alone.

const dir = mkdtempSync(join(tmpdir(), "etl-demo-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("etl demo", () => {
  it("refuses a scale below 100 before starting anything", async () => {
    const result = await etl("demo", "--scale", "99", "--data-dir", dir);

    expect(result).toEqual({
      code: 1,
      out: "",
      err: "etl demo: --scale must be an integer of at least 100, got 99\n",
    });
    expect(existsSync(join(dir, "demo"))).toBe(false);
  });

  it("seeds, runs two cycles with a deletion and landed rates, and prints the warehouse's answers", async () => {
    const before = { ...process.env };

    const result = await etl("demo", "--scale", "100", "--seed", "3", "--quiet", "--data-dir", dir);

    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    // --quiet: the summary, not the steps on the way to it.
    expect(result.out).not.toContain("seeding totesys");
    expect(result.out).toMatch(/^warehouse tables:\n {2}dim_\w+\s+[\d,]+ rows$/m);
    expect(result.out).toMatch(/^ledger: 2 runs loaded, \d+ files, [\d,]+ rows$/m);
    expect(result.out).toContain(
      "Exchange rates loaded from landed files (landed.exchange_rates, merged by rule)",
    );
    expect(result.out).toMatch(/^ {2}USD\s+0\.795500\s+2026-11-24$/m);
    const payment = /^Payment (\d+), deleted at the source: its full history/m.exec(result.out)?.[1];
    expect(payment).toBeDefined();
    // The deletion's version comes last, marked deleted.
    expect(result.out).toMatch(/ true\s+\d{4}-\d\d-\d\d[^\n]*\n\nruns: 2 cycles/);
    expect(result.out).toMatch(/^runs: 2 cycles \(\S+, \S+\); failures: 0 dead letters, 0 alerts$/m);
    expect(result.out).toContain(`see it as charts: etl dashboard --data-dir ${join(dir, "demo")}`);
    // Its services stopped, and the caller's environment is as it was.
    expect(readCloudState(join(dir, "demo"))).toBeUndefined();
    expect(process.env).toEqual(before);
  }, 240_000);
});
