import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { settleSqsBatch } from "@etl/ops";
import { TransientError } from "@etl/schemas";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileQueue } from "./file-queue";
import { drainQueue } from "./lambda";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "etl-queue-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("FileQueue", () => {
  it("refuses a FIFO message without a group, naming the queue", () => {
    const queue = new FileQueue(join(dir, "q.fifo"), "etl-load.fifo", { fifo: true });

    expect(() => queue.send("a")).toThrow("etl-load.fifo: a FIFO queue needs a message group id");
    expect(queue.depth()).toEqual({ pending: 0, inflight: 0, dead: 0 });
  });

  it("drops a FIFO message with the body of one sent before when no deduplication id is given", () => {
    const queue = new FileQueue(join(dir, "q.fifo"), "etl-load.fifo", { fifo: true });

    const sent = [
      queue.send("same", { groupId: "g" }),
      queue.send("same", { groupId: "g" }),
      queue.send("other", { groupId: "g" }),
    ];

    expect(sent).toEqual([true, false, true]);
    expect(queue.depth().pending).toBe(2);
  });

  it("receives at most `max`, and a stale receipt neither acknowledges nor fails the message", () => {
    const queue = new FileQueue(join(dir, "q"), "transform", { visibilityTimeoutMs: 0 });
    expect(queue.nextVisibleAt()).toBeUndefined();
    queue.send("a");
    queue.send("b");
    expect(queue.nextVisibleAt()).toBeLessThanOrEqual(Date.now());

    const [first] = queue.receive(1);
    // Visible again at once (no visibility timeout): received again, the first receipt is stale.
    const [again] = queue.receive(1);

    expect(first?.body).toBe("a");
    expect(again?.body).toBe("a");
    expect(again?.receiveCount).toBe(2);
    expect(queue.ack(first?.receiptHandle ?? "")).toBe(false);
    expect(queue.fail(first?.receiptHandle ?? "")).toBe("stale");
    expect(queue.ack(again?.receiptHandle ?? "")).toBe(true);
    expect(queue.receive(10).map((m) => m.body)).toEqual(["b"]);
  });

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
    const queue = new FileQueue(join(dir, "q"), "transform", { maxReceives: 2, log: () => {} });
    queue.send("poison");

    const first = queue.receive();
    const firstOutcome = queue.fail(first[0]?.receiptHandle ?? "", { delayMs: 0 });
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

  it("is not changed by reading it: another instance leaves a received message in flight until its visibility timeout", async () => {
    const one = new FileQueue(join(dir, "q"), "transform", { visibilityTimeoutMs: 300 });
    one.send("x");
    const received = one.receive();

    // A second process opening the same folder (etl status, another etl run) changes nothing.
    const other = new FileQueue(join(dir, "q"), "transform", { visibilityTimeoutMs: 300 });
    const whileInFlight = { depth: other.depth(), received: other.receive() };
    await sleep(350);
    const afterTimeout = other.receive();
    const staleAck = one.ack(received[0]?.receiptHandle ?? "");

    expect(whileInFlight).toEqual({ depth: { pending: 0, inflight: 1, dead: 0 }, received: [] });
    expect(afterTimeout.map((m) => [m.body, m.receiveCount])).toEqual([["x", 2]]);
    expect(staleAck).toBe(false);
    expect(other.depth()).toEqual({ pending: 0, inflight: 1, dead: 0 });
  });

  it("keeps a FIFO group blocked while another instance holds its message", () => {
    const one = new FileQueue(join(dir, "q"), "load.fifo");
    one.send("run-1", { groupId: "warehouse", dedupId: "1" });
    one.send("run-2", { groupId: "warehouse", dedupId: "2" });
    const first = one.receive(10);

    const other = new FileQueue(join(dir, "q"), "load.fifo");
    const whileBusy = other.receive(10);
    one.ack(first[0]?.receiptHandle ?? "");
    const next = other.receive(10);

    expect(first.map((m) => m.body)).toEqual(["run-1"]);
    expect(whileBusy).toEqual([]);
    expect(next.map((m) => m.body)).toEqual(["run-2"]);
  });

  it("makes a failed message visible again after a backoff that grows with each receive", async () => {
    const queue = new FileQueue(join(dir, "q"), "transform", {
      maxReceives: 5,
      retryBackoff: { baseMs: 100, maxMs: 150 },
    });
    queue.send("x");
    const delays: [number, number][] = [];

    for (let attempt = 0; attempt < 3; attempt += 1) {
      const [message] = queue.receive();
      const before = Date.now();
      queue.fail(message?.receiptHandle ?? "");
      const after = Date.now();
      expect(queue.receive()).toEqual([]);
      const visibleAt = queue.nextVisibleAt() ?? 0;
      // The delay counts from the failure, which happened between `before` and `after`.
      delays.push([visibleAt - after, visibleAt - before]);
      await sleep(visibleAt - Date.now() + 5);
    }

    for (const [[atLeast, atMost], expected] of delays.map((d, i) => [d, [100, 150, 150][i] ?? 0] as const)) {
      expect(atLeast).toBeLessThanOrEqual(expected);
      expect(atMost).toBeGreaterThanOrEqual(expected);
    }
    expect(queue.receive().map((m) => m.receiveCount)).toEqual([4]);
  });

  it("honours a retry delay given with the failure", () => {
    const queue = new FileQueue(join(dir, "q"), "transform");
    queue.send("x");
    const [message] = queue.receive();

    const before = Date.now();
    queue.fail(message?.receiptHandle ?? "", { delayMs: 30_000 });

    expect((queue.nextVisibleAt() ?? 0) - before).toBeGreaterThanOrEqual(30_000);
    expect(queue.depth()).toEqual({ pending: 0, inflight: 1, dead: 0 });
  });
});

describe("drainQueue", () => {
  it("retries only the items a handler reports as failed", async () => {
    const queue = new FileQueue(join(dir, "q"), "transform", {
      maxReceives: 2,
      retryBackoff: { baseMs: 20, maxMs: 20 },
      log: () => {},
    });
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
    expect(result).toMatchObject({ invocations: 2, succeeded: 1, retried: 1, deadLettered: 1 });
    expect(result.problems).toEqual([{ messageId: expect.any(String), status: "dead-lettered" }]);
  });

  it("waits out each retry's backoff instead of spinning, and logs one line when it dead-letters", async () => {
    const lines: string[] = [];
    const queue = new FileQueue(join(dir, "q"), "etl-load.fifo", {
      maxReceives: 3,
      retryBackoff: { baseMs: 100, maxMs: 1_000 },
      log: (line) => lines.push(line),
    });
    queue.send("run", { groupId: "warehouse", dedupId: "run" });
    const calls: number[] = [];

    const result = await drainQueue(
      queue,
      async (event) => {
        calls.push(Date.now());
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { functionName: "load", region: "eu-west-2" },
    );

    const gaps = calls.slice(1).map((t, i) => t - (calls[i] ?? t));
    expect(gaps).toHaveLength(2);
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    expect(result).toMatchObject({ invocations: 3, retried: 2, deadLettered: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^DEAD LETTER etl-load\.fifo: message .+ after 3 receive\(s\), in .+dead.+etl replay --dead-letters$/,
    );
    expect(queue.deadLetters().map((m) => m.body)).toEqual(["run"]);
  });

  it("honours a TransientError's retry-after hint, from the batch loop or thrown", async () => {
    const queue = new FileQueue(join(dir, "q"), "transform", { retryBackoff: { baseMs: 10, maxMs: 10 } });
    queue.send("x");
    const calls: number[] = [];

    const result = await drainQueue(
      queue,
      async (event) => {
        calls.push(Date.now());
        if (calls.length === 1) throw new TransientError("throttled", { retryAfterSeconds: 0.3 });
        return settleSqsBatch(event.Records, async () => {}, { warn: () => {}, error: () => {} });
      },
      { functionName: "transform", region: "eu-west-2" },
    );

    expect((calls[1] ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(300);
    expect(result).toMatchObject({ invocations: 2, succeeded: 1, retried: 1, problems: [] });
  });

  it("stops waiting after maxWaitMs and reports the message as pending, with what it was about", async () => {
    const queue = new FileQueue(join(dir, "q"), "transform", {
      retryBackoff: { baseMs: 5_000, maxMs: 5_000 },
    });
    queue.send("x");
    const began = Date.now();

    const result = await drainQueue(
      queue,
      async (event) =>
        settleSqsBatch(
          event.Records,
          async () => {
            throw new TransientError("connect ECONNREFUSED 127.0.0.1:5432");
          },
          { warn: () => {}, error: () => {} },
        ),
      { functionName: "transform", region: "eu-west-2", maxWaitMs: 50 },
    );

    expect(Date.now() - began).toBeLessThan(2_000);
    expect(result.problems).toEqual([
      { messageId: expect.any(String), status: "pending", error: "connect ECONNREFUSED 127.0.0.1:5432" },
    ]);
    expect(queue.depth()).toEqual({ pending: 0, inflight: 1, dead: 0 });
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
