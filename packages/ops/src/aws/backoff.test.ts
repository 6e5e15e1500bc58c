import { describe, expect, it } from "vitest";
import { createBackoff } from "./backoff";

describe("createBackoff", () => {
  it("doubles the ceiling per attempt up to the cap, with full jitter", async () => {
    const waits: number[] = [];
    const backoff = createBackoff({
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    for (let attempt = 1; attempt <= 6; attempt++) await backoff.wait(attempt);

    expect(waits).toEqual([50, 100, 200, 400, 500, 500]);
    expect(backoff.maxAttempts).toBe(8);
  });
});
