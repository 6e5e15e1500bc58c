import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileQueue } from "./file-queue";
import { drainQueue } from "./lambda";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "etl-queue-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("FileQueue", () => {
  it("delivers in send order and forgets acknowledged messages", () => {
    const queue = new FileQueue(join(dir, "q"), "transform");
    queue.send("a");
    queue.send("b");

    const received = queue.receive(10);
    for (const m of received) queue.ack(m.receiptHandle);

    expect(received.map((m) => m.body)).toEqual(["a", "b"]);
    expect(queue.depth()).toEqual({ pending: 0, inflight: 0, dead: 0 });
  });

  it("redelivers a failed message and dead-letters it after maxReceives", () => {
    const queue = new FileQueue(join(dir, "q"), "transform", { maxReceives: 2 });
    queue.send("poison");

    const first = queue.receive();
    const firstOutcome = queue.fail(first[0]?.receiptHandle ?? "");
    const second = queue.receive();
    const secondOutcome = queue.fail(second[0]?.receiptHandle ?? "");

    expect([firstOutcome, secondOutcome]).toEqual(["retry", "dead"]);
    expect(second[0]?.receiveCount).toBe(2);
    expect(queue.deadLetters().map((m) => m.body)).toEqual(["poison"]);
  });

  it("keeps one message per FIFO group in flight and drops duplicates", () => {
    const queue = new FileQueue(join(dir, "q"), "load.fifo");
    const sent = [
      queue.send("run-1", { groupId: "warehouse", dedupId: "1" }),
      queue.send("run-2", { groupId: "warehouse", dedupId: "2" }),
      queue.send("run-1 again", { groupId: "warehouse", dedupId: "1" }),
    ];

    const firstBatch = queue.receive(10);
    const whileBusy = queue.receive(10);
    queue.ack(firstBatch[0]?.receiptHandle ?? "");
    const next = queue.receive(10);

    expect(sent).toEqual([true, true, false]);
    expect(firstBatch.map((m) => m.body)).toEqual(["run-1"]);
    expect(whileBusy).toEqual([]);
    expect(next.map((m) => m.body)).toEqual(["run-2"]);
  });

  it("makes in-flight messages visible again after a restart", () => {
    const queue = new FileQueue(join(dir, "q"), "transform");
    queue.send("x");
    queue.receive();

    const reopened = new FileQueue(join(dir, "q"), "transform");

    expect(reopened.receive().map((m) => m.body)).toEqual(["x"]);
  });
});

describe("drainQueue", () => {
  it("retries only the items a handler reports as failed", async () => {
    const queue = new FileQueue(join(dir, "q"), "transform", { maxReceives: 2 });
    queue.send("ok");
    queue.send("bad");
    const seen: string[] = [];

    const result = await drainQueue(
      queue,
      async (event) => {
        seen.push(...event.Records.map((r) => r.body));
        return {
          batchItemFailures: event.Records.filter((r) => r.body === "bad").map((r) => ({
            itemIdentifier: r.messageId,
          })),
        };
      },
      { functionName: "transform", region: "eu-west-2" },
    );

    expect(seen).toEqual(["ok", "bad", "bad"]);
    expect(result).toEqual({ invocations: 2, succeeded: 1, retried: 1, deadLettered: 1 });
  });

  it("builds real SQS records", async () => {
    const queue = new FileQueue(join(dir, "q"), "load.fifo");
    queue.send("{}", { groupId: "warehouse", dedupId: "d" });
    let record: Record<string, unknown> | undefined;

    await drainQueue(
      queue,
      async (event) => {
        record = event.Records[0];
      },
      { functionName: "load", region: "eu-west-2" },
    );

    expect(record).toMatchObject({
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-2:000000000000:load.fifo",
      awsRegion: "eu-west-2",
      attributes: { ApproximateReceiveCount: "1", MessageGroupId: "warehouse", MessageDeduplicationId: "d" },
    });
  });
});
