import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// How a FileQueue keeps its messages on disk: one JSON file per message under `pending/`,
// `inflight/` or `dead/`, written atomically, and changed only under the folder's lock.

/** Every holder keeps the lock for milliseconds: one older than this was left by a dead process. */
const STALE_LOCK_MS = 10_000;

/** A message as stored in its file. */
export interface Stored {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  groupId?: string;
  dedupId?: string;
  /** In flight: when it is visible again (epoch ms), and the receipt of its latest receive. */
  visibleAt?: number;
  receipt?: string;
}

export interface Entry {
  sub: "pending" | "inflight" | "dead";
  file: string;
  stored: Stored;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ENOENT";
}

/** The folder of one queue: its message files and its lock. */
export class QueueFolder {
  constructor(
    readonly dir: string,
    readonly name: string,
  ) {}

  files(sub: string): string[] {
    return readdirSync(join(this.dir, sub))
      .filter((f) => !f.startsWith("."))
      .sort();
  }

  entries(sub: Entry["sub"]): Entry[] {
    const entries: Entry[] = [];
    for (const file of this.files(sub)) {
      const stored = this.read(sub, file);
      if (stored) entries.push({ sub, file, stored });
    }
    return entries;
  }

  /** A message file, or undefined when another process moved it since it was listed. */
  read(sub: string, file: string): Stored | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, sub, file), "utf8")) as Stored;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Written beside and renamed into place, so a reader never sees half a message. */
  write(sub: string, file: string, stored: Stored): void {
    const temp = join(this.dir, sub, `.${process.pid}-${file}`);
    writeFileSync(temp, JSON.stringify(stored));
    renameSync(temp, join(this.dir, sub, file));
  }

  /**
   * Runs a change under the queue's lock (a directory: `mkdir` is atomic), so two processes
   * never take the same message or two messages of one FIFO group.
   */
  locked<T>(change: () => T): T {
    const lock = join(this.dir, ".lock");
    const giveUpAt = Date.now() + 2 * STALE_LOCK_MS;
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS)
          rmSync(lock, { recursive: true, force: true });
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      if (Date.now() > giveUpAt)
        throw new Error(
          `${this.name}: the queue folder ${this.dir} stays locked; remove ${lock} if no etl command is running`,
        );
      sleepSync(5);
    }
    try {
      return change();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
