import { describe, expect, it } from "vitest";
import { type FirstLoadCycle, runFirstLoads } from "./first-loads";

/** Cycles that report the given pending first loads, one list per cycle. */
function cycles(reports: FirstLoadCycle[]) {
  let n = 0;
  const cycle = async () => {
    const report = reports[Math.min(n, reports.length - 1)];
    n += 1;
    if (!report) throw new Error("no report");
    return report;
  };
  return { cycle, count: () => n };
}

describe("runFirstLoads", () => {
  it("runs once, silently, when no first load is left", async () => {
    const c = cycles([{ problems: [], firstLoadsPending: [] }]);
    const lines: string[] = [];
    const result = await runFirstLoads(c.cycle, (l) => lines.push(l));
    expect(result.cycles).toBe(1);
    expect(lines).toEqual([]);
  });

  it("keeps cycling until the first loads are finished, a line each", async () => {
    const c = cycles([
      { problems: [], firstLoadsPending: [{ table: "transaction", lastKey: 60_000 }, { table: "payment" }] },
      { problems: [], firstLoadsPending: [{ table: "payment", lastKey: 1_200 }] },
      { problems: [], firstLoadsPending: [] },
    ]);
    const lines: string[] = [];
    const result = await runFirstLoads(c.cycle, (l) => lines.push(l));
    expect(result.cycles).toBe(3);
    expect(lines[0]).toMatch(
      /^first load continues \(invocation 1 done, [\d.]+ s\): transaction read up to key 60,000; waiting: payment$/,
    );
    expect(lines[1]).toMatch(/invocation 2 done.*payment read up to key 1,200$/);
    expect(lines[2]).toMatch(/^first loads finished: 3 invocations in [\d.]+ s$/);
  });

  it("stops at a cycle with a problem, and after maxCycles", async () => {
    const failing = cycles([{ problems: ["x"], firstLoadsPending: [{ table: "payment" }] }]);
    expect((await runFirstLoads(failing.cycle, () => {})).cycles).toBe(1);
    const endless = cycles([{ problems: [], firstLoadsPending: [{ table: "payment" }] }]);
    expect((await runFirstLoads(endless.cycle, () => {}, { maxCycles: 4 })).cycles).toBe(4);
    expect(endless.count()).toBe(4);
  });
});
