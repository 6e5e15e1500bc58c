import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync } from "node:zlib";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { PartSink } from "./part-sink";

function lines(count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `${JSON.stringify({ id: i, text: "x".repeat(i % 37) })}\n`,
  ).join("");
}

/** Feeds the text in uneven chunks, so line ends fall anywhere inside a chunk. */
function chunked(text: string): Readable {
  const buffer = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0, size = 7; at < buffer.length; at += size, size = ((size * 13) % 997) + 1) {
    chunks.push(buffer.subarray(at, at + size));
  }
  return Readable.from(chunks);
}

describe("PartSink", () => {
  it("compresses at gzip's fastest level unless told otherwise", async () => {
    const store = createMemoryObjectStore();
    const sink = new PartSink({ store, bucket: "b", keyForPart: (n) => `p-${n}.gz`, maxPartBytes: 1 << 20 });

    await pipeline(chunked(lines(200)), sink);
    const [part] = store.objects("b");

    // The header's XFL byte is 4 for the fastest level only (RFC 1952; 0 for level 6).
    expect(part?.body[8]).toBe(4);
    expect(gunzipSync(part?.body ?? Buffer.alloc(0)).toString("utf8")).toBe(lines(200));
  });

  it("cuts parts at line ends near the size limit and keeps every byte", async () => {
    const store = createMemoryObjectStore();
    const text = lines(5000);
    const sink = new PartSink({
      store,
      bucket: "b",
      keyForPart: (n) => `raw/t/part-${String(n).padStart(4, "0")}.jsonl.gz`,
      maxPartBytes: 20_000,
    });

    await pipeline(chunked(text), sink);
    const objects = store.objects("b");
    const parts = objects.map((o) => gunzipSync(o.body).toString("utf8"));

    expect(sink.files.map((f) => f.key)).toEqual(objects.map((o) => o.key));
    expect(sink.files.length).toBeGreaterThan(5);
    expect(parts.join("")).toBe(text);
    for (const part of parts) {
      expect(part.endsWith("\n")).toBe(true);
      expect(Buffer.byteLength(part)).toBeLessThan(20_000 + 200);
    }
    expect(sink.files.map((f) => f.rows)).toEqual(parts.map((p) => p.split("\n").length - 1));
    expect(sink.files.reduce((n, f) => n + f.rows, 0)).toBe(5000);
    expect(sink.files.map((f) => f.sha256)).toEqual(
      objects.map((o) => createHash("sha256").update(o.body).digest("hex")),
    );
    expect(sink.files.map((f) => f.bytes)).toEqual(objects.map((o) => o.body.length));
  });

  it("reports the rows read so far once per `progressBytes`, across parts, never per chunk", async () => {
    const store = createMemoryObjectStore();
    const text = lines(5000);
    const reported: number[] = [];
    const sink = new PartSink({
      store,
      bucket: "b",
      keyForPart: (n) => `part-${n}`,
      maxPartBytes: 20_000,
      progressBytes: 25_000,
      onProgress: (rows) => reported.push(rows),
    });

    await pipeline(chunked(text), sink);

    const steps = Math.floor(Buffer.byteLength(text) / 25_000);
    expect(reported.length).toBeGreaterThanOrEqual(steps - 1);
    expect(reported.length).toBeLessThanOrEqual(steps + 1);
    expect(reported).toEqual([...reported].sort((a, b) => a - b));
    expect(reported.at(-1)).toBeGreaterThan(4000);
    expect(reported.at(-1)).toBeLessThanOrEqual(5000);
  });

  it("writes nothing for an empty table", async () => {
    const store = createMemoryObjectStore();
    const sink = new PartSink({ store, bucket: "b", keyForPart: (n) => `p-${n}`, maxPartBytes: 1000 });

    await pipeline(Readable.from([]), sink);

    expect(sink.files).toEqual([]);
    expect(store.objects("b")).toEqual([]);
  });

  it("fails the stream when an upload fails", async () => {
    const store = createMemoryObjectStore();
    store.failNextPut(/part-2/, new TransientError("S3 is down"));
    const sink = new PartSink({ store, bucket: "b", keyForPart: (n) => `part-${n}`, maxPartBytes: 2000 });

    const result = pipeline(chunked(lines(2000)), sink);

    await expect(result).rejects.toThrow("S3 is down");
  });

  it("keeps a line longer than the limit whole, in a part of its own", async () => {
    const store = createMemoryObjectStore();
    const long = `${JSON.stringify({ id: 1, text: "y".repeat(200_000) })}\n`;
    const short = `${JSON.stringify({ id: 2 })}\n`;
    const sink = new PartSink({ store, bucket: "b", keyForPart: (n) => `part-${n}`, maxPartBytes: 100 });

    // 64 KiB chunks: the long line spans several, and none of them holds its end but the last.
    await pipeline(chunkedBy(long + short, 64 * 1024), sink);
    const parts = store.objects("b").map((o) => gunzipSync(o.body).toString("utf8"));

    expect(parts).toEqual([long, short]);
    expect(sink.files.map((f) => f.rows)).toEqual([1, 1]);
  });
});

function chunkedBy(text: string, size: number): Readable {
  const buffer = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += size) chunks.push(buffer.subarray(at, at + size));
  return Readable.from(chunks);
}
