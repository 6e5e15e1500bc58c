import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { ObjectExistsError, ObjectNotFoundError } from "../errors";
import { createMemoryObjectStore } from "./memory-object-store";

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe("createMemoryObjectStore", () => {
  it("stores an object and reports its size and MD5 etag", async () => {
    const store = createMemoryObjectStore();

    const info = await store.put("b", "raw/a.json", "héllo");

    expect(info).toEqual({
      key: "raw/a.json",
      size: 6,
      etag: createHash("md5").update("héllo").digest("hex"),
      lastModified: expect.any(Date),
    });
    expect(Buffer.from(await store.get("b", "raw/a.json")).toString()).toBe("héllo");
    expect((await store.head("b", "raw/a.json"))?.size).toBe(6);
  });

  it("refuses to overwrite with ifNoneMatch and overwrites without it", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "k", "one");

    await expect(store.put("b", "k", "two", { ifNoneMatch: true })).rejects.toBeInstanceOf(ObjectExistsError);
    await store.put("b", "k", "three");

    expect(store.text("b", "k")).toBe("three");
  });

  it("fails a get of a missing key with an error naming bucket and key, and heads it as undefined", async () => {
    const store = createMemoryObjectStore();

    const head = await store.head("b", "missing.json");

    expect(head).toBeUndefined();
    await expect(store.get("b", "missing.json")).rejects.toThrow(
      new ObjectNotFoundError({ operation: "get", bucket: "b", key: "missing.json" }),
    );
    await expect(store.getStream("b", "missing.json")).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it("lists a prefix in key order", async () => {
    const store = createMemoryObjectStore();
    for (const key of ["raw/b/2", "raw/a/1", "runs/x.json", "raw/a/0"]) await store.put("b", key, key);

    const listed = await collect(store.list("b", "raw/"));

    expect(listed.map((o) => o.key)).toEqual(["raw/a/0", "raw/a/1", "raw/b/2"]);
  });

  it("copies across buckets and deletes idempotently", async () => {
    const store = createMemoryObjectStore();
    await store.put("in", "landing/f.csv", "a,b");

    await store.copy("in", "landing/f.csv", "archive/f.csv", "out");
    await store.delete("in", "landing/f.csv");
    await store.delete("in", "landing/f.csv");

    expect(store.text("out", "archive/f.csv")).toBe("a,b");
    expect(store.objects("in")).toEqual([]);
  });

  it("stores a streamed body", async () => {
    const store = createMemoryObjectStore();

    const info = await store.putStream("b", "s", Readable.from([Buffer.from("ab"), Buffer.from("cd")]));

    expect(info.size).toBe(4);
    expect(store.text("b", "s")).toBe("abcd");
  });

  it("fails the next matching put once, with a TransientError by default", async () => {
    const store = createMemoryObjectStore();
    store.failNextPut(/^runs\//);

    await store.put("b", "raw/x", "data");
    const first = store.put("b", "runs/1.json", "{}");

    await expect(first).rejects.toBeInstanceOf(TransientError);
    await store.put("b", "runs/1.json", "{}");
    expect(store.objects("b").map((o) => o.key)).toEqual(["raw/x", "runs/1.json"]);
  });

  it("injects a given error into another operation", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "k", "v");
    const boom = new Error("boom");
    store.failNext("get", (bucket, key) => bucket === "b" && key === "k", boom);

    const failed = store.get("b", "k");

    await expect(failed).rejects.toBe(boom);
    expect(store.calls.map((c) => c.operation)).toEqual(["put", "get"]);
  });

  it("knows only the given buckets when told", async () => {
    const store = createMemoryObjectStore({ buckets: ["known"] });

    const put = store.put("unknown", "k", "v");

    await expect(put).rejects.toThrow("no such bucket");
  });
});
