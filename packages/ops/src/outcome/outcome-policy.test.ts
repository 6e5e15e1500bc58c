import { describe, expect, it } from "vitest";
import { decideReporting, type OutcomeKind } from "./outcome-policy";

const MAX = 5;

describe("decideReporting: what is audited, recorded and alerted", () => {
  it.each<[string, OutcomeKind, number | undefined, ReturnType<typeof decideReporting>]>([
    ["success", "success", 1, { audit: "as-is", failureItem: false, alert: undefined }],
    ["success on a redelivery", "success", 3, { audit: "as-is", failureItem: false, alert: undefined }],
    ["permanent, first receive", "permanent", 1, { audit: "as-is", failureItem: true, alert: "failed" }],
    ["permanent, later receive", "permanent", 3, { audit: "as-is", failureItem: true, alert: "failed" }],
    ["permanent, last receive", "permanent", MAX, { audit: "as-is", failureItem: true, alert: "failed" }],
    ["retryable, first receive", "retryable", 1, { audit: "as-is", failureItem: true, alert: "failing" }],
    ["retryable, later receive", "retryable", 2, { audit: "as-is", failureItem: false, alert: undefined }],
    [
      "retryable, receive before the last",
      "retryable",
      MAX - 1,
      { audit: "as-is", failureItem: false, alert: undefined },
    ],
    [
      "retryable, last receive",
      "retryable",
      MAX,
      { audit: "dead-lettered", failureItem: true, alert: "dead-lettered" },
    ],
    [
      "retryable, past the last receive",
      "retryable",
      MAX + 1,
      { audit: "dead-lettered", failureItem: true, alert: "dead-lettered" },
    ],
    ["wait, first receive", "wait", 1, { audit: "as-is", failureItem: false, alert: undefined }],
    ["wait, later receive", "wait", 3, { audit: "as-is", failureItem: false, alert: undefined }],
    [
      "wait, last receive",
      "wait",
      MAX,
      { audit: "dead-lettered", failureItem: true, alert: "dead-lettered" },
    ],
    [
      "retryable, no queue (a scheduled run)",
      "retryable",
      undefined,
      { audit: "as-is", failureItem: true, alert: "failing" },
    ],
    [
      "wait, no queue (a scheduled run)",
      "wait",
      undefined,
      { audit: "as-is", failureItem: false, alert: undefined },
    ],
    [
      "permanent, no queue (a scheduled run)",
      "permanent",
      undefined,
      { audit: "as-is", failureItem: true, alert: "failed" },
    ],
  ])("%s", (_name, kind, receiveCount, expected) => {
    const delivery = receiveCount === undefined ? undefined : { receiveCount, maxReceiveCount: MAX };

    const decision = decideReporting(kind, delivery);

    expect(decision).toEqual(expected);
  });

  it("treats a queue whose redrive allows one receive as dead-lettering on the first", () => {
    const decision = decideReporting("retryable", { receiveCount: 1, maxReceiveCount: 1 });

    expect(decision).toEqual({ audit: "dead-lettered", failureItem: true, alert: "dead-lettered" });
  });
});
