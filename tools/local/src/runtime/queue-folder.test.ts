import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { QueueFolder } from "./queue-folder";

const dir = mkdtempSync(join(tmpdir(), "etl-queue-folder-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function folder(name: string): QueueFolder {
  const path = join(dir, name);
  mkdirSync(join(path, "pending"), { recursive: true });
  return new QueueFolder(path, name);
}

describe("QueueFolder", () => {
  it("takes over a lock left by a dead process, and releases it after the change", () => {
    const queue = folder("stale");
    const lock = join(queue.dir, ".lock");
    mkdirSync(lock);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);

    const result = queue.locked(() => (existsSync(lock) ? "held" : "free"));

    expect(result).toBe("held");
    expect(existsSync(lock)).toBe(false);
  });

  it("gives up on a lock another command keeps fresh, naming the lock to remove", () => {
    const queue = folder("busy");
    const lock = join(queue.dir, ".lock");
    mkdirSync(lock);
    // Fresh however long this waits; the clock jumps past the 20 s it waits at most.
    const fresh = new Date(Date.now() + 3_600_000);
    utimesSync(lock, fresh, fresh);
    const start = Date.now();
    let calls = 0;
    const now = vi.spyOn(Date, "now").mockImplementation(() => start + (calls++ === 0 ? 0 : 30_000));
    try {
      expect(() => queue.locked(() => "changed")).toThrow(
        `busy: the queue folder ${queue.dir} stays locked; remove ${lock} if no etl command is running`,
      );
    } finally {
      now.mockRestore();
    }
    expect(existsSync(lock)).toBe(true);
  });

  it("releases the lock when the change throws", () => {
    const queue = folder("throws");

    expect(() =>
      queue.locked(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(existsSync(join(queue.dir, ".lock"))).toBe(false);
  });

  it("refuses a folder that is not there rather than waiting for a lock", () => {
    const queue = new QueueFolder(join(dir, "absent", "deeper"), "absent");

    expect(() => queue.locked(() => 1)).toThrow(/ENOENT/);
  });

  it("reads a message moved away as undefined, and any other read error as an error", () => {
    const queue = folder("reads");
    mkdirSync(join(queue.dir, "pending", "a-folder.json"));

    expect(queue.read("pending", "gone.json")).toBeUndefined();
    expect(() => queue.read("pending", "a-folder.json")).toThrow(/EISDIR/);
  });

  it("lists only whole messages, in name order", () => {
    const queue = folder("entries");
    queue.write("pending", "2.json", { messageId: "b", body: "B", receiveCount: 0, sentAt: 2 });
    queue.write("pending", "1.json", { messageId: "a", body: "A", receiveCount: 0, sentAt: 1 });

    expect(queue.entries("pending").map((e) => [e.file, e.stored.messageId])).toEqual([
      ["1.json", "a"],
      ["2.json", "b"],
    ]);
  });
});
