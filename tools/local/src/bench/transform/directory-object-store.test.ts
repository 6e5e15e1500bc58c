import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { ObjectExistsError, ObjectNotFoundError } from "@etl/s3-io";
import { afterAll, describe, expect, it } from "vitest";
import { createDirectoryObjectStore } from "./directory-object-store";

const root = mkdtempSync(join(tmpdir(), "etl-dir-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

describe("createDirectoryObjectStore", () => {
  const store = createDirectoryObjectStore(root);

  it("puts, reads, streams, heads, copies and deletes objects as files", async () => {
    const put = await store.put("b", "raw/a.txt", "héllo");
    const streamed = await store.putStream("b", "raw/deep/s.txt", Readable.from(["one", "two"]));
    await store.copy("b", "raw/a.txt", "copy/a.txt", "other");
    await store.copy("b", "raw/a.txt", "raw/b.txt");

    expect(put).toEqual({ key: "raw/a.txt", size: 6 });
    expect(streamed).toEqual({ key: "raw/deep/s.txt", size: 6 });
    expect(Buffer.from(await store.get("b", "raw/a.txt")).toString("utf8")).toBe("héllo");
    expect(await text((await store.getStream("b", "raw/deep/s.txt")) as Readable)).toBe("onetwo");
    expect(await store.head("b", "raw/a.txt")).toMatchObject({ key: "raw/a.txt", size: 6 });
    expect(await store.head("b", "raw")).toBeUndefined();
    expect(await store.head("b", "nothing")).toBeUndefined();
    expect(Buffer.from(await store.get("other", "copy/a.txt")).toString("utf8")).toBe("héllo");

    const listed = [];
    for await (const o of store.list("b", "raw/")) listed.push(o.key);
    expect(listed).toEqual(["raw/a.txt", "raw/b.txt", "raw/deep/s.txt"]);

    await store.delete("b", "raw/b.txt");
    await store.delete("b", "never-there");
    expect(await store.head("b", "raw/b.txt")).toBeUndefined();
  });

  it("refuses to overwrite with ifNoneMatch, for a put and a stream", async () => {
    await store.put("c", "k", new Uint8Array([1, 2]));

    await expect(store.put("c", "k", "x", { ifNoneMatch: true })).rejects.toBeInstanceOf(ObjectExistsError);
    await expect(
      store.putStream("c", "k", Readable.from(["x"]), { ifNoneMatch: true }),
    ).rejects.toBeInstanceOf(ObjectExistsError);
    expect(await store.put("c", "new", new Uint8Array([1, 2, 3]), { ifNoneMatch: true })).toEqual({
      key: "new",
      size: 3,
    });
  });

  it("says an object is not found, and lists a bucket that is not there as empty", async () => {
    await expect(store.get("b", "missing")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.getStream("b", "missing")).rejects.toBeInstanceOf(ObjectNotFoundError);
    const listed = [];
    for await (const o of store.list("no-bucket", "")) listed.push(o);
    expect(listed).toEqual([]);
  });

  it("lists only the files under the prefix: other keys and links are not objects", async () => {
    await store.put("l", "raw/a.txt", "a");
    await store.put("l", "other/b.txt", "b");
    symlinkSync(join(root, "l", "other"), join(root, "l", "raw", "link"));

    const listed = [];
    for await (const o of store.list("l", "raw/")) listed.push(o.key);

    expect(listed).toEqual(["raw/a.txt"]);
  });

  it("passes on an error other than a missing file", async () => {
    await store.put("d", "dir/file", "x");

    await expect(store.get("d", "dir")).rejects.toMatchObject({ code: "EISDIR" });
    await expect(store.head("d", "dir/file/below")).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});
