import type { ProgressRenderer } from "../../progress-renderer";

const count = (n: number) => n.toLocaleString("en-GB");

/** What a cycle says about first loads: those left unfinished, and whether anything went wrong. */
export interface FirstLoadCycle {
  problems: readonly unknown[];
  firstLoadsPending: readonly { table: string; lastKey?: number }[];
}

/**
 * Runs `cycle` (ingest → transform → load) until no first load is left unfinished: once when
 * every first snapshot fits the run's budget (`RUN_BUDGET_SECONDS`), else once per run of key
 * ranges, back to back, as the schedule's invocations would on AWS. A line per continued
 * invocation says how far it got. Stops at the first cycle with a problem (its report says
 * which), or after `maxCycles`. Resolves the last cycle's report and how many cycles ran.
 */
export async function runFirstLoads<R extends FirstLoadCycle>(
  cycle: () => Promise<R>,
  print: (line: string) => void,
  options: { progress?: ProgressRenderer; maxCycles?: number } = {},
): Promise<{ report: R; cycles: number; durationMs: number }> {
  const began = Date.now();
  const say = options.progress ? options.progress.line : print;
  const maxCycles = options.maxCycles ?? 10_000;
  const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
  for (let cycles = 1; ; cycles++) {
    const report = await cycle();
    const [current, ...waiting] = report.firstLoadsPending;
    if (!current) {
      if (cycles > 1) say(`first loads finished: ${cycles} invocations in ${elapsed()}`);
      return { report, cycles, durationMs: Date.now() - began };
    }
    say(
      `first load continues (invocation ${cycles} done, ${elapsed()}): ${current.table}` +
        `${current.lastKey === undefined ? "" : ` read up to key ${count(current.lastKey)}`}` +
        `${waiting.length > 0 ? `; waiting: ${waiting.map((p) => p.table).join(", ")}` : ""}`,
    );
    if (report.problems.length > 0 || cycles >= maxCycles) {
      return { report, cycles, durationMs: Date.now() - began };
    }
  }
}
