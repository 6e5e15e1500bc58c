import { describe, expect, it } from "vitest";
import { type GuardContext, s3KeyGuard, unstorableSegment } from "./s3-key-guard";

function request(method: string, path: string): GuardContext {
  return { method, path, status: 200, type: "", body: undefined };
}

async function guard(ctx: GuardContext): Promise<boolean> {
  let passed = false;
  await s3KeyGuard(ctx, async () => {
    passed = true;
  });
  return passed;
}

const longLast = `/landing/${"a".repeat(234)}`;

describe("unstorableSegment", () => {
  it.each([
    ["a/b/c.csv", undefined],
    [`${"a".repeat(255)}/${"b".repeat(233)}`, undefined],
    [`${"a".repeat(256)}/b`, 256],
    [`a/${"b".repeat(234)}`, 234],
    // Bytes, not characters: "é" is two bytes in UTF-8.
    [`${"é".repeat(128)}/b`, 256],
  ])("finds in %s a segment of %s bytes too long", (key, bytes) => {
    expect(unstorableSegment(key)).toBe(bytes);
  });
});

describe("s3KeyGuard", () => {
  it.each([
    ["a key the server can store", "PUT", "/landing/runs/a.json"],
    ["a bucket-level request", "PUT", "/landing"],
    ["a key that is not valid percent-encoding", "PUT", `/landing/%ZZ${"a".repeat(300)}`],
  ])("passes on %s", async (_name, method, path) => {
    const ctx = request(method, path);

    const passed = await guard(ctx);

    expect(passed).toBe(true);
    expect(ctx).toEqual(request(method, path));
  });

  it("refuses a write of a key it cannot store with KeyTooLongError, naming the limits", async () => {
    const ctx = request("put", encodeURI(longLast));

    const passed = await guard(ctx);

    expect(passed).toBe(false);
    expect(ctx.status).toBe(400);
    expect(ctx.type).toBe("application/xml");
    expect(ctx.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>KeyTooLongError</Code><Message>The local S3 server stores each object as files named after its key, so a key segment between slashes may be at most 255 bytes (233 for the last one); this key has a segment of 234 bytes. Real S3 accepts it: shorten the segment to use it locally.</Message></Error>',
    );
  });

  it("answers a read of such a key with NoSuchKey, and a HEAD with an empty 404", async () => {
    const get = request("GET", longLast);
    const head = request("HEAD", longLast);

    await guard(get);
    await guard(head);

    expect(get).toMatchObject({
      status: 404,
      type: "application/xml",
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
    });
    expect(head).toMatchObject({ status: 404, type: "application/xml", body: "" });
  });

  it("answers a delete of such a key as done: it cannot exist", async () => {
    const ctx = request("DELETE", longLast);

    const passed = await guard(ctx);

    expect(passed).toBe(false);
    expect(ctx).toMatchObject({ status: 204, body: "" });
  });
});
