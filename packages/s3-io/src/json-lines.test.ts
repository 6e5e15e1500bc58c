import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { JsonLinesError, readJsonLines, readLineChunks } from "./json-lines-reader";
import { createJsonLinesWriter, writeJsonLines } from "./json-lines-writer";
import { createMemoryObjectStore } from "./testing";

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

const keyForPart = (n: number) => `raw/sales_order/2026/11/23/run-${String(n).padStart(4, "0")}.jsonl.gz`;

const row = (i: number) => ({
  sales_order_id: i,
  created_at: `2026-11-23 10:00:00.${String(i % 1_000_000).padStart(6, "0")}`,
  unit_price: `${i}.05`,
  design: i % 3 === 0 ? null : `Wooden ${i}`,
});

describe("writeJsonLines / readJsonLines", () => {
  it.each([
    ["numeric and timestamp strings", { price: "123456789012345678.99", at: "2026-01-01 00:00:00.000001" }],
    ["unicode, newlines and separators", { s: 'é ü 日本 🎉\n\r\t\u2028\u2029 "quoted" \\ back' }],
    ["nulls, booleans, empty strings", { a: null, b: true, c: false, d: "" }],
    ["nested values", { list: [1, "2", { three: [null] }], o: {} }],
    ["safe integers and fractions", { big: Number.MAX_SAFE_INTEGER, neg: -0.5, tiny: 1e-7 }],
    ["a bare string", "just text"],
  ])("round-trips %s exactly", async (_name, value) => {
    const store = createMemoryObjectStore();

    await writeJsonLines([value, value], { store, bucket: "b", keyForPart, maxPartBytes: 1024 });
    const lines = await collect(readJsonLines(store, "b", keyForPart(1)));

    expect(lines).toEqual([
      { lineNumber: 1, value },
      { lineNumber: 2, value },
    ]);
  });

  it("splits rows into parts below the byte limit and describes each object exactly", async () => {
    const store = createMemoryObjectStore();
    const rows = Array.from({ length: 5000 }, (_, i) => row(i));

    const parts = await writeJsonLines(rows, { store, bucket: "b", keyForPart, maxPartBytes: 64 * 1024 });

    expect(parts.length).toBeGreaterThan(3);
    expect(parts.map((p) => p.partNumber)).toEqual(parts.map((_, i) => i + 1));
    expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(5000);
    for (const part of parts) {
      const object = store.objects("b").find((o) => o.key === part.key);
      expect(part.key).toBe(keyForPart(part.partNumber));
      expect(part.uncompressedBytes).toBeLessThanOrEqual(64 * 1024);
      expect(part.bytes).toBe(object?.body.length);
      expect(part.sha256).toBe(
        createHash("sha256")
          .update(object?.body ?? new Uint8Array())
          .digest("hex"),
      );
      expect(gunzipSync(object?.body ?? new Uint8Array()).length).toBe(part.uncompressedBytes);
    }
    const read = [];
    for (const part of parts) read.push(...(await collect(readJsonLines(store, "b", part.key))));
    expect(read.map((l) => l.value)).toEqual(rows);
  });

  it("writes nothing at all for no rows", async () => {
    const store = createMemoryObjectStore();

    const parts = await writeJsonLines([], { store, bucket: "b", keyForPart, maxPartBytes: 1024 });

    expect(parts).toEqual([]);
    expect(store.calls).toEqual([]);
  });

  it("gives a row larger than the limit a part of its own", async () => {
    const store = createMemoryObjectStore();
    const big = { text: "x".repeat(5000) };

    const parts = await writeJsonLines([{ a: 1 }, big, { b: 2 }], {
      store,
      bucket: "b",
      keyForPart,
      maxPartBytes: 1000,
    });

    expect(parts.map((p) => p.rows)).toEqual([1, 1, 1]);
  });

  it("refuses to overwrite an existing part by default", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", keyForPart(1), "already there");

    const write = writeJsonLines([{ a: 1 }], { store, bucket: "b", keyForPart, maxPartBytes: 1000 });

    await expect(write).rejects.toThrow("object exists");
    expect(store.text("b", keyForPart(1))).toBe("already there");
  });

  it("fails when a part's upload fails", async () => {
    const store = createMemoryObjectStore();
    store.failNextPut(keyForPart(2));
    const rows = Array.from({ length: 2000 }, (_, i) => row(i));

    const write = writeJsonLines(rows, { store, bucket: "b", keyForPart, maxPartBytes: 16 * 1024 });

    await expect(write).rejects.toBeInstanceOf(TransientError);
  });

  it("takes rows through the push API without a promise per row", async () => {
    const store = createMemoryObjectStore();
    const writer = createJsonLinesWriter({ store, bucket: "b", keyForPart, maxPartBytes: 1 << 20 });

    const waits = Array.from({ length: 1000 }, (_, i) => writer.write(row(i))).filter((w) => w !== undefined);
    await writer.writeBatch([row(1000), row(1001)]);
    const parts = await writer.close();

    expect(waits).toEqual([]);
    expect(writer.rows).toBe(1002);
    expect(parts).toEqual([expect.objectContaining({ partNumber: 1, rows: 1002 })]);
  });

  it("refuses a write while a part is being closed", async () => {
    const store = createMemoryObjectStore();
    const writer = createJsonLinesWriter({ store, bucket: "b", keyForPart, maxPartBytes: 20 });
    writer.write({ a: "0123456789" });

    const closing = writer.write({ a: "0123456789" });

    expect(closing).toBeInstanceOf(Promise);
    expect(() => writer.write({ a: 1 })).toThrow("await the promise write() returned");
    await closing;
    expect(await writer.close()).toHaveLength(2);
  });

  it("refuses writes once closed", async () => {
    const store = createMemoryObjectStore();
    const writer = createJsonLinesWriter({ store, bucket: "b", keyForPart, maxPartBytes: 1000 });
    writer.write(row(1));
    await writer.close();

    expect(() => writer.write(row(2))).toThrow("JSON Lines writer is closed");
    await expect(writer.close()).rejects.toThrow("JSON Lines writer is closed");
    expect(store.objects("b")).toHaveLength(1);
  });

  it("asks the caller to wait while zlib holds a large backlog, and loses nothing", async () => {
    const store = createMemoryObjectStore();
    const writer = createJsonLinesWriter({
      store,
      bucket: "b",
      keyForPart,
      maxPartBytes: 1 << 30,
      gzipLevel: 1,
    });
    // One line above the 4 MiB the writer lets zlib queue before it asks for a wait.
    const big = { id: 1, text: "z".repeat(4.5 * 1024 * 1024) };

    const wait = writer.write(big);
    await wait;
    await writer.writeBatch([{ id: 2 }]);
    const parts = await writer.close();

    expect(wait).toBeInstanceOf(Promise);
    expect(parts).toEqual([expect.objectContaining({ rows: 2 })]);
    const text = gunzipSync(store.objects("b")[0]?.body ?? new Uint8Array()).toString("utf8");
    expect(text === `${JSON.stringify(big)}\n{"id":2}\n`).toBe(true);
  });

  it("refuses a value JSON cannot hold", () => {
    const writer = createJsonLinesWriter({
      store: createMemoryObjectStore(),
      bucket: "b",
      keyForPart,
      maxPartBytes: 1000,
    });

    expect(() => writer.write(undefined)).toThrow("row 1 is not JSON");
  });
});

describe("readJsonLines errors and formats", () => {
  it("names the key and line of a bad line", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "raw/t/x.jsonl.gz", gzipSync('{"a":1}\n{"a":2}\n{"a":\n{"a":4}\n'));

    const read = collect(readJsonLines(store, "b", "raw/t/x.jsonl.gz"));

    await expect(read).rejects.toThrow(/^s3:\/\/b\/raw\/t\/x\.jsonl\.gz line 3: invalid JSON/);
    await expect(read).rejects.toMatchObject({ lineNumber: 3, key: "raw/t/x.jsonl.gz", retryable: false });
  });

  it("refuses an empty line in the middle", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "x.jsonl", '{"a":1}\n\n{"a":2}\n');

    const read = collect(readJsonLines(store, "b", "x.jsonl"));

    await expect(read).rejects.toThrow("line 2: empty line");
  });

  it("reads plain text with CRLF endings and no final newline", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "x.jsonl", '{"a":1}\r\n{"a":"é"}');

    const lines = await collect(readJsonLines(store, "b", "x.jsonl"));

    expect(lines).toEqual([
      { lineNumber: 1, value: { a: 1 } },
      { lineNumber: 2, value: { a: "é" } },
    ]);
  });

  it("reports an object that is not gzip as bad data", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "x.jsonl.gz", '{"a":1}\n');

    const read = collect(readJsonLines(store, "b", "x.jsonl.gz"));

    await expect(read).rejects.toBeInstanceOf(JsonLinesError);
    await expect(read).rejects.toThrow("s3://b/x.jsonl.gz: not valid gzip");
  });

  it("reports a truncated gzip object as bad data", async () => {
    const store = createMemoryObjectStore();
    const whole = gzipSync(Buffer.from('{"a":1}\n'.repeat(1000)));
    await store.put("b", "x.jsonl.gz", whole.subarray(0, whole.length - 20));

    const read = collect(readJsonLines(store, "b", "x.jsonl.gz"));

    await expect(read).rejects.toThrow("not valid gzip");
  });

  it("reads a line longer than a read chunk", async () => {
    const store = createMemoryObjectStore();
    const long = { s: "w".repeat(300_000) };
    await store.put("b", "x.jsonl", `${JSON.stringify(long)}\n{"a":2}\n`);

    const lines = await collect(readJsonLines(store, "b", "x.jsonl"));

    expect(lines).toEqual([
      { lineNumber: 1, value: long },
      { lineNumber: 2, value: { a: 2 } },
    ]);
  });

  it("splits multi-byte characters across chunk boundaries correctly", async () => {
    const store = createMemoryObjectStore();
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ i, s: "日本語🎉".repeat(3) }));
    await writeJsonLines(rows, { store, bucket: "b", keyForPart, maxPartBytes: 1 << 30 });

    const lines = await collect(readJsonLines(store, "b", keyForPart(1)));

    expect(lines.map((l) => l.value)).toEqual(rows);
  });
});

describe("readLineChunks", () => {
  const text = (i: number) => `{"i":${i},"s":"${"日本語🎉 x".repeat(i % 7)}"}`;

  it.each([
    ["gzip, chunks smaller than most lines", "x.jsonl.gz", 64],
    ["gzip, chunks of many lines", "x.jsonl.gz", 64 * 1024],
    ["plain text", "x.jsonl", undefined],
  ])("gives whole lines only, each once and in order (%s)", async (_name, key, chunkBytes) => {
    const store = createMemoryObjectStore();
    const lines = Array.from({ length: 20_000 }, (_, i) => text(i));
    const body = `${lines.join("\n")}\n`;
    await store.put("b", key, key.endsWith(".gz") ? gzipSync(body) : body);

    const chunks = await collect(readLineChunks(store, "b", key, chunkBytes ? { chunkBytes } : {}));

    expect(chunks.every((c) => c.at(-1) === 10)).toBe(true);
    expect(Buffer.concat(chunks).toString("utf8")).toBe(body);
    expect(chunks.length).toBeGreaterThan(1);
  });

  it("gives a last line without a newline as it is", async () => {
    const store = createMemoryObjectStore();
    const first = `{"a":"${"x".repeat(200)}"}`;
    await store.put("b", "x.jsonl.gz", gzipSync(`${first}\n{"a":"é"}`));

    const chunks = await collect(readLineChunks(store, "b", "x.jsonl.gz", { chunkBytes: 64 }));

    expect(chunks.map((c) => c.toString("utf8"))).toEqual([`${first}\n`, '{"a":"é"}']);
  });

  it("gives nothing for an empty object", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "x.jsonl.gz", gzipSync(""));

    const chunks = await collect(readLineChunks(store, "b", "x.jsonl.gz"));

    expect(chunks).toEqual([]);
  });

  it("reports an object that is not gzip as bad data", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "x.jsonl.gz", '{"a":1}\n');

    const read = collect(readLineChunks(store, "b", "x.jsonl.gz"));

    await expect(read).rejects.toBeInstanceOf(JsonLinesError);
    await expect(read).rejects.toThrow("s3://b/x.jsonl.gz: not valid gzip");
  });
});
