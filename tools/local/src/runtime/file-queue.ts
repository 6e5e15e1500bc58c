import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Entry, QueueFolder, type Stored } from "./queue-folder";

/**
 * A durable, SQS-like queue in a folder, for running the pipeline locally: messages are files
 * (`pending/`, `inflight/`, `dead/`), so a crash loses nothing and an operator can look inside.
 *
 * As on SQS, only a receive changes a message: it moves to `inflight/` with the time it becomes
 * visible again (`visibleAt`, the visibility timeout), and a later receive, by this process or
 * another one, takes it again only after that time. Opening, counting or listing a queue
 * changes nothing, so `etl status` or a second `etl run` never re-delivers a message another
 * process is handling. A failed message stays in flight for a backoff (SQS's
 * `ChangeMessageVisibility`) and moves to `dead/` on its `maxReceives`-th failure.
 *
 * FIFO queues deliver one message per group at a time, in send order (a group stays blocked
 * while its message is in flight, also during a retry's backoff), and drop a message whose
 * deduplication id was seen before (SQS keeps ids for 5 minutes; here they are kept for good,
 * which only makes replays stricter).
 */
export interface QueueMessage {
  messageId: string;
  /** Valid for this receive only: after the message is received again, it no longer acts. */
  receiptHandle: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  groupId?: string;
  dedupId?: string;
}

export interface FileQueueOptions {
  fifo?: boolean;
  /** After this many failed receives a message moves to `dead/` (the dead-letter folder). */
  maxReceives?: number;
  /** How long a received message stays invisible when nobody acknowledges or fails it. */
  visibilityTimeoutMs?: number;
  /** A failed message is visible again after `baseMs × 2^(receives − 1)`, at most `maxMs`. */
  retryBackoff?: { baseMs: number; maxMs: number };
  /** Where the one line about each dead-lettered message goes (stderr by default). */
  log?: (line: string) => void;
}

/** The local functions' timeout (`localContext`): a handler may take that long. */
export const DEFAULT_VISIBILITY_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_RETRY_BACKOFF = { baseMs: 1_000, maxMs: 60_000 };
/** SQS's longest visibility timeout: a retry delay above it is cut to it. */
const MAX_VISIBILITY_MS = 12 * 60 * 60_000;
/** File names sort in send order, across instances and processes. */
let sequence = 0;

export class FileQueue {
  readonly fifo: boolean;
  readonly maxReceives: number;
  readonly visibilityTimeoutMs: number;
  readonly retryBackoff: { baseMs: number; maxMs: number };
  private readonly log: (line: string) => void;
  private readonly folder: QueueFolder;

  constructor(
    readonly dir: string,
    readonly name: string,
    options: FileQueueOptions = {},
  ) {
    this.fifo = options.fifo ?? name.endsWith(".fifo");
    this.maxReceives = options.maxReceives ?? 3;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
    this.retryBackoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.folder = new QueueFolder(dir, name);
    for (const sub of ["pending", "inflight", "dead", "dedup"])
      mkdirSync(join(dir, sub), { recursive: true });
  }

  get arn(): string {
    return `arn:aws:sqs:local:000000000000:${this.name}`;
  }

  /** Sends a message; resolves false when a FIFO queue drops it as a duplicate. */
  send(body: string, options: { groupId?: string; dedupId?: string } = {}): boolean {
    if (this.fifo) {
      if (!options.groupId) throw new Error(`${this.name}: a FIFO queue needs a message group id`);
      const dedupId = options.dedupId ?? createHash("sha256").update(body).digest("hex");
      const marker = join(this.dir, "dedup", createHash("sha256").update(dedupId).digest("hex"));
      try {
        writeFileSync(marker, dedupId, { flag: "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
      }
      options = { ...options, dedupId };
    }
    sequence += 1;
    const message: Stored = {
      messageId: randomUUID(),
      body,
      receiveCount: 0,
      sentAt: Date.now(),
      ...options,
    };
    const name = `${String(Date.now()).padStart(15, "0")}-${String(process.pid).padStart(7, "0")}-${String(sequence).padStart(9, "0")}.json`;
    this.folder.write("pending", name, message);
    return true;
  }

  /**
   * Receives up to `max` visible messages (pending ones, and in-flight ones whose visibility
   * timeout passed), in send order, and makes them invisible for the visibility timeout. A
   * message that is visible again after its last allowed receive moves to `dead/` instead, as
   * SQS moves it (its handler never reported back: it crashed or timed out).
   */
  receive(max = 10): QueueMessage[] {
    return this.folder.locked(() => {
      const now = Date.now();
      const busyGroups = new Set<string>();
      const candidates: Entry[] = [];
      for (const entry of this.folder.entries("inflight")) {
        if ((entry.stored.visibleAt ?? 0) > now) busyGroups.add(entry.stored.groupId ?? "");
        else candidates.push(entry);
      }
      candidates.push(...this.folder.entries("pending"));
      candidates.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      const taken: QueueMessage[] = [];
      for (const { sub, file, stored } of candidates) {
        if (taken.length >= max) break;
        if (this.fifo) {
          const group = stored.groupId ?? "";
          if (busyGroups.has(group)) continue;
          busyGroups.add(group);
        }
        if (stored.receiveCount >= this.maxReceives) {
          this.moveToDead(sub, file, stored);
          continue;
        }
        const receipt = randomUUID();
        const next: Stored = {
          ...stored,
          receiveCount: stored.receiveCount + 1,
          visibleAt: now + this.visibilityTimeoutMs,
          receipt,
        };
        // Renamed first, then rewritten: a crash in between leaves a visible in-flight message.
        if (sub === "pending") renameSync(join(this.dir, "pending", file), join(this.dir, "inflight", file));
        this.folder.write("inflight", file, next);
        const { visibleAt: _visibleAt, receipt: _receipt, ...message } = next;
        taken.push({ ...message, receiptHandle: `${file}#${receipt}` });
      }
      return taken;
    });
  }

  /** Deletes a received message; false when the receipt is stale (the message was received again). */
  ack(receiptHandle: string): boolean {
    return this.folder.locked(() => {
      const held = this.held(receiptHandle);
      if (!held) return false;
      rmSync(join(this.dir, "inflight", held.file), { force: true });
      return true;
    });
  }

  /**
   * A failed receive: on the message's last allowed receive it moves to `dead/`; otherwise it
   * becomes visible again after `delayMs`, or the backoff for its receive count. `stale` when the
   * receipt no longer holds the message.
   */
  fail(receiptHandle: string, options: { delayMs?: number } = {}): "retry" | "dead" | "stale" {
    return this.folder.locked(() => {
      const held = this.held(receiptHandle);
      if (!held) return "stale";
      const { file, stored } = held;
      if (stored.receiveCount >= this.maxReceives) {
        this.moveToDead("inflight", file, stored);
        return "dead";
      }
      const delayMs = Math.min(MAX_VISIBILITY_MS, options.delayMs ?? this.backoffMs(stored.receiveCount));
      this.folder.write("inflight", file, { ...stored, visibleAt: Date.now() + Math.max(0, delayMs) });
      return "retry";
    });
  }

  /** The delay before a message that failed its `receiveCount`-th receive is visible again. */
  backoffMs(receiveCount: number): number {
    const { baseMs, maxMs } = this.retryBackoff;
    return Math.min(maxMs, baseMs * 2 ** Math.max(0, receiveCount - 1));
  }

  /**
   * As SQS counts them: `pending` is visible now (including in-flight messages whose timeout
   * passed), `inflight` is invisible (being handled, or waiting for a retry), `dead` is dead-lettered.
   */
  depth(): { pending: number; inflight: number; dead: number } {
    const now = Date.now();
    const inflight = this.folder.entries("inflight");
    const invisible = inflight.filter((e) => (e.stored.visibleAt ?? 0) > now).length;
    return {
      pending: this.folder.files("pending").length + inflight.length - invisible,
      inflight: invisible,
      dead: this.folder.files("dead").length,
    };
  }

  /** When the next message becomes visible: now if one is; undefined when the queue is empty. */
  nextVisibleAt(): number | undefined {
    if (this.folder.files("pending").length > 0) return Date.now();
    const times = this.folder.entries("inflight").map((e) => e.stored.visibleAt ?? 0);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** Moves every dead letter back to the queue with a fresh receive count; returns how many. */
  redriveDeadLetters(): number {
    return this.folder.locked(() => {
      const dead = this.folder.entries("dead");
      for (const { file, stored } of dead) {
        this.folder.write("dead", file, { ...stored, receiveCount: 0 });
        renameSync(join(this.dir, "dead", file), join(this.dir, "pending", file));
      }
      return dead.length;
    });
  }

  deadLetters(): QueueMessage[] {
    return this.folder.entries("dead").map((e) => ({ ...e.stored, receiptHandle: e.file }));
  }

  private moveToDead(sub: Entry["sub"], file: string, stored: Stored): void {
    const { visibleAt: _visibleAt, receipt: _receipt, ...message } = stored;
    this.folder.write(sub, file, message);
    renameSync(join(this.dir, sub, file), join(this.dir, "dead", file));
    this.log(
      `DEAD LETTER ${this.name}: message ${stored.messageId} after ${stored.receiveCount} receive(s), in ${join(this.dir, "dead", file)}; after fixing the cause: etl replay --dead-letters`,
    );
  }

  /** The in-flight message a receipt handle still holds. */
  private held(receiptHandle: string): { file: string; stored: Stored } | undefined {
    const [file = "", receipt] = receiptHandle.split("#");
    const stored = this.folder.read("inflight", file);
    return stored && stored.receipt === receipt ? { file, stored } : undefined;
  }
}
