import { describe, expect, it } from "vitest";
import type { StageReport } from "../../pipeline";
import { problemLine, reportProblems } from "./pipeline";

describe("problemLine", () => {
  it("names the problem, stage, run, file and why", () => {
    expect(
      problemLine({
        stage: "load",
        messageId: "m1",
        status: "dead-lettered",
        runId: "20261123T141500123Z-00000042",
        key: "runs/20261123T141500123Z-00000042.json",
        error: "checksum mismatch",
      }),
    ).toBe(
      "  DEAD-LETTERED load run 20261123T141500123Z-00000042 runs/20261123T141500123Z-00000042.json: checksum mismatch",
    );
  });

  it("says the run is unknown, and leaves out a file or reason it does not have", () => {
    expect(problemLine({ stage: "transform", messageId: "m2", status: "pending" })).toBe(
      "  RETRY PENDING transform run ?",
    );
  });
});

describe("reportProblems", () => {
  it("prints every stage's problems in order, and a stage without a delivery has none", () => {
    const reports = [
      { stage: "ingest", durationMs: 1 },
      {
        stage: "transform",
        durationMs: 1,
        delivery: { problems: [{ messageId: "a", status: "failed", runId: "r1", error: "bad" }] },
      },
      {
        stage: "load",
        durationMs: 1,
        delivery: { problems: [{ messageId: "b", status: "dead-lettered", runId: "r1" }] },
      },
    ] as unknown as StageReport[];
    const printed: string[] = [];

    const problems = reportProblems(reports, (line) => printed.push(line));

    expect(printed).toEqual(["  FAILED transform run r1: bad", "  DEAD-LETTERED load run r1"]);
    expect(problems.map((p) => p.stage)).toEqual(["transform", "load"]);
  });
});
