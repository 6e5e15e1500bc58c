import { describe, expect, it } from "vitest";
import { runCase, timeShell } from "./measure";

describe("timeShell", () => {
  it("times a pipeline that succeeds, with the variables given", async () => {
    await expect(timeShell('test "$WHO" = bench', { WHO: "bench" })).resolves.toBeGreaterThan(0);
  });

  it("rejects with the exit code and the end of stderr when any part of the pipeline fails", async () => {
    await expect(timeShell("echo broken >&2; false | cat")).rejects.toThrow(
      "reference failed (exit 1): broken\n",
    );
  });
});

describe("runCase", () => {
  it("rejects with the exit code when the case fails", async () => {
    await expect(runCase("no-such-case", {})).rejects.toThrow(/^bench case no-such-case failed \(exit 1\)/);
  });
});
