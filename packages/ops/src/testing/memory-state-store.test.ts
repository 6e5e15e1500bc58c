import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { stateStoreContract } from "../../test/state-store-contract";
import { createMemoryStateStore } from "./memory-state-store";

stateStoreContract("memory", async () => createMemoryStateStore());

describe("createMemoryStateStore", () => {
  it("exposes watermarks and the last run, and fails an advance on demand", async () => {
    const store = createMemoryStateStore();
    store.failNextAdvance();

    const failed = store.advanceWatermarks([{ name: "a", from: null, to: "1" }], "run-1");
    await expect(failed).rejects.toBeInstanceOf(TransientError);
    await store.advanceWatermarks([{ name: "a", from: null, to: "1" }], "run-2");

    expect(store.watermarks).toEqual({ a: "1" });
    expect(store.lastRunId).toBe("run-2");
  });
});
