import { describe, expect, it } from "vitest";
import { createProgressRenderer, formatEta } from "./progress-renderer";

/** A stream that records what was written, and a clock the test moves. */
function fakeTerminal(isTTY: boolean, columns?: number) {
  const chunks: string[] = [];
  let now = 0;
  const stream = {
    isTTY,
    ...(columns === undefined ? {} : { columns }),
    write: (text: string) => {
      chunks.push(text);
      return true;
    },
  };
  return {
    stream,
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    text: () => chunks.join(""),
    chunks,
  };
}

describe("createProgressRenderer, not on a TTY", () => {
  it("prints one line per finished table, with rows and rows/s, and nothing while it runs", () => {
    const term = fakeTerminal(false);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });
    const ingest = renderer.stage("ingest");

    ingest.tableStarted("sales_order", 100_000);
    for (const rows of [20_000, 40_000, 60_000]) {
      term.advance(1_000);
      ingest.rows("sales_order", rows);
    }
    ingest.tableFinished("sales_order", 100_000, 4_000);

    expect(term.text()).toBe(
      "  ingest     sales_order             100,000 rows in 4.0 s     25,000 rows/s\n",
    );
  });

  it("prints nothing for a table with no rows (an ingest that found no change there)", () => {
    const term = fakeTerminal(false);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });

    renderer.stage("ingest").tableStarted("currency", 0);
    renderer.stage("ingest").tableFinished("currency", 0, 3);

    expect(term.text()).toBe("");
  });

  it("writes no carriage return and no escape code", () => {
    const term = fakeTerminal(false);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });
    const load = renderer.stage("load");

    load.tableStarted("fact_sales_order", 10);
    term.advance(5_000);
    load.rows("fact_sales_order", 5);
    load.tableFinished("fact_sales_order", 10, 5_000);
    renderer.clear();

    expect(term.text()).not.toContain("\r");
    expect(term.text()).not.toContain("\u001b");
    expect(term.text().split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("counts a table done in no measurable time at its rows per second", () => {
    const term = fakeTerminal(false);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });

    renderer.stage("transform").tableFinished("dim_currency", 3, 0);

    expect(term.text()).toBe(
      "  transform  dim_currency                  3 rows in 0.0 s          3 rows/s\n",
    );
  });
});

describe("createProgressRenderer, on a TTY", () => {
  it("redraws one live line with counts, rate and ETA, then replaces it with the finished line", () => {
    const term = fakeTerminal(true);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });
    const ingest = renderer.stage("ingest");

    ingest.tableStarted("sales_order", 100_000);
    term.advance(1_000);
    ingest.rows("sales_order", 25_000);
    term.advance(1_000);
    ingest.rows("sales_order", 50_000);
    ingest.tableFinished("sales_order", 100_000, 4_000);

    const live = "  ingest     sales_order              50,000 / ~100,000 rows     25,000 rows/s  ETA 2 s";
    expect(term.chunks).toEqual([
      "\r  ingest     sales_order              25,000 / ~100,000 rows     25,000 rows/s  ETA 3 s",
      `\r${live}`,
      `\r${" ".repeat(live.length)}\r`,
      "  ingest     sales_order             100,000 rows in 4.0 s     25,000 rows/s\n",
    ]);
    expect(term.text()).not.toContain("\u001b");
  });

  it("draws nothing for a table that finishes within the redraw interval", () => {
    const term = fakeTerminal(true);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now, redrawMs: 250 });
    const transform = renderer.stage("transform");

    transform.tableStarted("dim_design", 970);
    term.advance(100);
    transform.rows("dim_design", 500);
    transform.tableFinished("dim_design", 970, 200);

    expect(term.chunks).toEqual([
      "  transform  dim_design                  970 rows in 0.2 s      4,850 rows/s\n",
    ]);
  });

  it("redraws at most once per interval", () => {
    const term = fakeTerminal(true);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now, redrawMs: 250 });
    const ingest = renderer.stage("ingest");

    ingest.tableStarted("payment");
    for (let i = 1; i <= 10; i++) {
      term.advance(100);
      ingest.rows("payment", i * 1_000);
    }

    expect(term.chunks).toHaveLength(3);
  });

  it("shows no ETA without an estimate, or once the rows pass it", () => {
    const term = fakeTerminal(true);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });
    const ingest = renderer.stage("ingest");

    ingest.tableStarted("payment");
    term.advance(1_000);
    ingest.rows("payment", 1_000);
    ingest.tableStarted("transaction", 500);
    term.advance(1_000);
    ingest.rows("transaction", 800);

    expect(term.chunks[0]).toBe("\r  ingest     payment                   1,000 rows      1,000 rows/s");
    expect(term.chunks.at(-1)?.trimEnd()).toBe(
      "\r  ingest     transaction                 800 / ~500 rows        800 rows/s",
    );
  });

  it("shows what the stage does instead of an ETA, drawn at once however recent the last redraw", () => {
    const term = fakeTerminal(true);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });
    const load = renderer.stage("load");

    load.tableStarted("fact_sales_order", 100_000);
    term.advance(1_000);
    load.rows("fact_sales_order", 50_000);
    term.advance(10);
    load.rows("fact_sales_order", 100_000, "merging");
    term.advance(10);
    load.rows("fact_sales_order", 100_000, "merging");

    expect(term.chunks).toHaveLength(2);
    expect(term.chunks[1]?.trimEnd()).toBe(
      "\r  load       fact_sales_order        100,000 / ~100,000 rows     99,010 rows/s  merging",
    );
  });

  it("cuts the live line to the terminal's width, so it never wraps", () => {
    const narrow = fakeTerminal(true, 40);
    const wide = fakeTerminal(true);
    for (const term of [narrow, wide]) {
      const ingest = createProgressRenderer({ stream: term.stream, now: term.now }).stage("ingest");
      ingest.tableStarted("sales_order", 100_000);
      term.advance(1_000);
      ingest.rows("sales_order", 25_000);
    }

    expect(narrow.text()).toBe(wide.text().slice(0, 40));
    expect(wide.text().length).toBeGreaterThan(60);
  });

  it("clear() blanks a live line before other output, and writes nothing when none is shown", () => {
    const term = fakeTerminal(true);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });
    const ingest = renderer.stage("ingest");
    renderer.clear();
    const before = term.text();

    ingest.tableStarted("sales_order", 100_000);
    term.advance(1_000);
    ingest.rows("sales_order", 25_000);
    const shown = term.text().length - 1;
    renderer.clear();
    renderer.clear();

    expect(before).toBe("");
    expect(term.chunks.at(-1)).toBe(`\r${" ".repeat(shown)}\r`);
    expect(term.chunks).toHaveLength(2);
  });
});

describe("createProgressRenderer, quiet", () => {
  it.each([true, false])("writes nothing at all (TTY: %s)", (isTTY) => {
    const term = fakeTerminal(isTTY);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now, quiet: true });
    const ingest = renderer.stage("ingest");

    ingest.tableStarted("sales_order", 100_000);
    term.advance(1_000);
    ingest.rows("sales_order", 25_000);
    ingest.tableFinished("sales_order", 100_000, 4_000);
    renderer.line("ingest     run 1: 100,000 changed rows");
    renderer.clear();

    expect(term.text()).toBe("");
  });
});

describe("createProgressRenderer, line()", () => {
  it("prints a stage's own line, below a live line it first clears", () => {
    const term = fakeTerminal(true);
    const renderer = createProgressRenderer({ stream: term.stream, now: term.now });
    const ingest = renderer.stage("ingest");
    ingest.tableStarted("sales_order");
    term.advance(1_000);
    ingest.rows("sales_order", 1);
    const shown = term.text().length - 1;

    renderer.line("  load       1 message(s) in 2.0 s");

    expect(term.chunks.slice(-2)).toEqual([
      `\r${" ".repeat(shown)}\r`,
      "  load       1 message(s) in 2.0 s\n",
    ]);
  });
});

describe("formatEta", () => {
  it.each([
    [0.2, "1 s"],
    [3, "3 s"],
    [59.1, "60 s"],
    [61, "1 min 01 s"],
    [754, "12 min 34 s"],
  ])("%s seconds read %s", (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });
});
