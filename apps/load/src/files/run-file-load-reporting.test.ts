import { LoadDataError } from "@etl/db/errors";
import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { GOOD, NOW, setup } from "../../test/support/file-load-setup";
import { runFileLoad } from "./run-file-load";
import { CLAIM_NAMESPACE } from "./steps/claims";
import { fileId } from "./steps/destinations";

const refusing = (error: Error) => setup(async () => Promise.reject(error));
const transient = () => new TransientError("warehouse restarting");
const bad = () =>
  new LoadDataError("invalid input syntax for type integer", { table: "s.orders", sql: "copy ..." });

describe("runFileLoad reports by the outcome policy", () => {
  it.each<[string, () => Error, number, string[], string[], number]>([
    [
      "a retryable failure on its first receive",
      transient,
      1,
      ["failing, will retry (TRANSIENT)"],
      ["FAILED"],
      1,
    ],
    ["a retryable failure on a later receive", transient, 3, [], ["FAILED"], 0],
    [
      "a retryable failure on its last receive",
      transient,
      5,
      ["dead-lettered after 5 receives (TRANSIENT)"],
      ["DEAD_LETTERED"],
      1,
    ],
    ["a file the warehouse refused, on any receive", bad, 2, ["failed, no retry ("], ["FAILED"], 1],
  ])("%s", async (_name, error, receiveCount, alerts, statuses, failures) => {
    const { deps, audit, alerter, land } = refusing(error());
    const object = await land(GOOD);
    const delivery = { receiveCount, maxReceiveCount: 5, queue: "etl-landed-files", messageId: "m-1" };

    await runFileLoad({ ...object, delivery }, deps).catch(() => undefined);

    expect(alerter.sent.map((a) => a.subject)).toEqual(alerts.map((a) => expect.stringContaining(a)));
    expect(audit.items.map((i) => i.status)).toEqual(statuses);
    expect(audit.failures).toHaveLength(failures);
  });

  it("alerts a busy file only when its last receive dead-letters it", async () => {
    const { deps, state, alerter, land } = setup();
    const object = await land(GOOD);
    await state.putRecord(CLAIM_NAMESPACE, fileId(object), {
      attempt: "earlier",
      leaseUntil: NOW.getTime() + 60_000,
    });
    const at = (receiveCount: number) => ({ ...object, delivery: { receiveCount, maxReceiveCount: 5 } });

    await expect(runFileLoad(at(1), deps)).rejects.toMatchObject({ code: "FILE_BUSY" });
    expect(alerter.sent).toEqual([]);
    await expect(runFileLoad(at(5), deps)).rejects.toMatchObject({ code: "FILE_BUSY" });
    expect(alerter.sent.map((a) => a.subject)).toEqual([
      expect.stringContaining("dead-lettered after 5 receives"),
    ]);
  });

  it("does not audit, record or alert twice when a redelivery finishes a report that partly failed", async () => {
    const { deps, audit, alerter, land } = refusing(bad());
    const object = await land(GOOD);
    alerter.failNext();

    await expect(runFileLoad(object, deps)).rejects.toMatchObject({ code: "FILE_REPORT_FAILED" });
    await runFileLoad(object, deps);

    expect(audit.items.map((i) => i.status)).toEqual(["FAILED", "SKIPPED"]);
    // The file's failure once, and the unfinished report itself, a retryable failure on its first receive.
    expect(audit.failures.map((f) => [f.retryable, f.details?.code])).toEqual([
      [false, "DATA_ERROR"],
      [true, "FILE_REPORT_FAILED"],
    ]);
    expect(alerter.sent.map((a) => a.subject)).toEqual([
      expect.stringContaining("failing, will retry (FILE_REPORT_FAILED)"),
      expect.stringContaining("failed, no retry ("),
    ]);
  });
});
