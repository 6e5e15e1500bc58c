import { type FileRuleInput, FileRuleSchema } from "@etl/db/rules";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFilesWorld, type FilesWorld, fixture } from "./files-support";

let world: FilesWorld;

beforeEach(async () => {
  world = await createFilesWorld();
  const stored = await world.rules.get("orders_csv");
  if (!stored?.rule) throw new Error("no rule orders_csv");
  const changes: Partial<FileRuleInput> = { keyGlob: "landing/long/**/*.csv" };
  await world.rules.upsert(FileRuleSchema.parse({ ...stored.rule, ...changes }));
});

afterEach(async () => {
  await world.close();
});

const today = () => {
  const d = new Date();
  return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}`;
};

/**
 * A legal S3 key of exactly 1,024 bytes of UTF-8 ending in `/<name>`, made of short segments
 * (the local S3 server cannot store one path segment over 255 bytes), with two-byte characters.
 */
function longKey(name: string): string {
  let key = "landing/long/";
  for (let i = 0; key.length < 1024; i++) key += `seg-é-${String(i).padStart(3, "0")}-${"x".repeat(40)}/`;
  const head = Buffer.from(key, "utf8").subarray(0, 1024 - Buffer.byteLength(`/${name}`));
  // Cut at a character boundary and never end a segment on the cut: pad with ASCII.
  let text = head.toString("utf8").replace(/\uFFFD$/, "");
  while (Buffer.byteLength(`${text}/${name}`) < 1024) text += "y";
  const found = `${text}/${name}`;
  expect(Buffer.byteLength(found, "utf8")).toBe(1024);
  return found;
}

describe("a landed file whose key has 1,024 bytes", () => {
  it("is loaded and archived, with its audit item, status event and alert", async () => {
    const key = longKey("good.csv");

    const outcome = await world.load(key, fixture("orders.csv"));

    const destination = `archive/orders_csv/${today()}/good.csv`;
    expect(outcome).toMatchObject({ status: "FINISHED", rows: 3, destination });
    expect(await world.keys()).toEqual([destination]);
    const items = await world.audit("orders_csv");
    expect(items).toMatchObject([{ stage: "files", status: "FINISHED", key, rows: 3 }]);
    expect(Buffer.byteLength(String(items[0]?.sk), "utf8")).toBeLessThanOrEqual(1024);
    expect(await world.failures("orders_csv")).toEqual([]);
    expect(world.alerts().map((a) => a.message.key)).toEqual([key]);
    expect(world.events()).toMatchObject([{ detail: { status: "FINISHED", key, destination } }]);
  });

  it("is refused into error/ with its real reason, audit item, failure item and alert", async () => {
    const key = longKey("bad.csv");

    const outcome = await world.load(key, fixture("orders-trailer-mismatch.csv"));

    const destination = `error/orders_csv/${today()}/bad.csv`;
    expect(outcome).toMatchObject({ status: "ABORTED", destination });
    expect(await world.keys()).toEqual([destination, `${destination}.reason.json`]);
    const reason = JSON.parse(await world.text(`${destination}.reason.json`));
    expect(reason).toMatchObject({ status: "ABORTED", code: "TRAILER_MISMATCH", key });
    expect(reason.error).toBe("the trailer says 5 records, the file has 3");
    expect(await world.audit("orders_csv")).toMatchObject([
      { stage: "files", status: "ABORTED", key, error: "the trailer says 5 records, the file has 3" },
    ]);
    expect(await world.failures("orders_csv")).toMatchObject([
      { key, retryable: false, details: { status: "ABORTED", code: "TRAILER_MISMATCH", destination } },
    ]);
    const alerts = world.alerts();
    expect(alerts.map((a) => a.message.key)).toEqual([key]);
    expect(alerts[0]?.subject).toContain("failed, no retry (TRAILER_MISMATCH)");
    expect(alerts[0]?.message).toMatchObject({
      detail: { status: "ABORTED", error: expect.stringMatching(/trailer says 5/) },
    });
  });
});
