import { DataError, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { settleSqsBatch } from "./sqs-batch";

const logs: string[] = [];
const logger = {
  warn: (m: string, e: Record<string, unknown>) => logs.push(`warn ${m} ${String(e.messageId)}`),
  error: (m: string, e: Record<string, unknown>) => logs.push(`error ${m} ${String(e.messageId)}`),
};
const records = ["ok-1", "retry", "bad", "ok-2"].map((messageId) => ({ messageId }));
const handle = async (r: { messageId: string }) => {
  if (r.messageId === "retry") throw new TransientError("database restarting");
  if (r.messageId === "bad") throw new DataError("not a manifest");
};

describe("settleSqsBatch", () => {
  it("reports retryable failures and acknowledges bad input", async () => {
    logs.length = 0;

    const result = await settleSqsBatch(records, handle, logger);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "retry" }] });
    expect(logs).toEqual(["warn message failed retry", "error message failed bad"]);
  });

  it("on a FIFO queue fails every record after a retryable failure, unprocessed", async () => {
    const seen: string[] = [];

    const result = await settleSqsBatch(
      records,
      async (r) => {
        seen.push(r.messageId);
        await handle(r);
      },
      logger,
      { fifo: true },
    );

    expect(seen).toEqual(["ok-1", "retry"]);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["retry", "bad", "ok-2"]);
  });

  it("treats an unknown error as retryable, so nothing is dropped", async () => {
    const result = await settleSqsBatch(
      [{ messageId: "x" }],
      async () => {
        throw new Error("socket hang up");
      },
      logger,
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "x" }]);
  });
});
