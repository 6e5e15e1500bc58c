import type { StageProgress } from "@etl/ops";
import { describe, expect, it } from "vitest";
import { GOOD, KEY, setup } from "../../test/support/file-load-setup";
import { runFileLoad } from "./run-file-load";

/** A progress port that writes down what it is told. */
function fakeProgress() {
  const events: string[] = [];
  const progress: StageProgress = {
    tableStarted: (table, expected) =>
      events.push(`start ${table}${expected === undefined ? "" : ` ${expected}`}`),
    rows: (table, rows) => events.push(`rows ${table} ${rows}`),
    tableFinished: (table, rows, durationMs) => events.push(`done ${table} ${rows} ${durationMs >= 0}`),
  };
  return { progress, events };
}

describe("runFileLoad progress", () => {
  it("tells the progress port each file it loads, with its rows and time, on one line", async () => {
    const { deps, land } = setup();
    const { progress, events } = fakeProgress();
    const object = await land(GOOD);

    const outcome = await runFileLoad(object, { ...deps, progress });

    expect(outcome.status).toBe("FINISHED");
    expect(events).toEqual([`start ${KEY}`, `done ${KEY} 2 true`]);
  });

  it("ends a refused file's line too, with no rows", async () => {
    const { deps, land } = setup();
    const { progress, events } = fakeProgress();
    const object = await land(GOOD, "landing/unknown/x.csv");

    const outcome = await runFileLoad(object, { ...deps, progress });

    expect(outcome.status).toBe("ABORTED");
    expect(events).toEqual(["start landing/unknown/x.csv", "done landing/unknown/x.csv 0 true"]);
  });

  it("tells nothing of a duplicate event", async () => {
    const { deps, land } = setup();
    const object = await land(GOOD);
    await runFileLoad(object, deps);
    const { progress, events } = fakeProgress();

    await runFileLoad(object, { ...deps, progress });

    expect(events).toEqual([]);
  });
});
