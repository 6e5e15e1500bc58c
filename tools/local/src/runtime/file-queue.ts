import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A durable, SQS-like queue in a folder, for running the pipeline locally: messages are files
 * (`pending/`, `inflight/`, `dead/`), so a crash loses nothing and an operator can look inside.
 * FIFO queues deliver one message per group at a time, in send order, and drop a message whose
 * deduplication id was seen before (SQS keeps ids for 5 minutes; here they are kept for good,
 * which only makes replays stricter).
 */
export interface QueueMessage {
  messageId: string;
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
}

interface Stored {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  groupId?: string;
  dedupId?: string;
}

export class FileQueue {
  readonly fifo: boolean;
  readonly maxReceives: number;
  private sequence = 0;

  constructor(
    readonly dir: string,
    readonly name: string,
    options: FileQueueOptions = {},
  ) {
    this.fifo = options.fifo ?? name.endsWith(".fifo");
    this.maxReceives = options.maxReceives ?? 3;
    for (const sub of ["pending", "inflight", "dead", "dedup"])
      mkdirSync(join(dir, sub), { recursive: true });
    // Anything in flight when the last process stopped is visible again.
    for (const file of readdirSync(join(dir, "inflight"))) {
      renameSync(join(dir, "inflight", file), join(dir, "pending", file));
    }
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
      if (existsSync(marker)) return false;
      writeFileSync(marker, dedupId);
      options = { ...options, dedupId };
    }
    this.sequence += 1;
    const message: Stored = {
      messageId: randomUUID(),
      body,
      receiveCount: 0,
      sentAt: Date.now(),
      ...options,
    };
    const name = `${String(Date.now()).padStart(15, "0")}-${String(process.pid).padStart(7, "0")}-${String(this.sequence).padStart(9, "0")}.json`;
    writeFileSync(join(this.dir, "pending", `.${name}`), JSON.stringify(message));
    renameSync(join(this.dir, "pending", `.${name}`), join(this.dir, "pending", name));
    return true;
  }

  private files(sub: string): string[] {
    return readdirSync(join(this.dir, sub))
      .filter((f) => !f.startsWith("."))
      .sort();
  }

  /** Receives up to `max` messages and makes them invisible until acknowledged or failed. */
  receive(max = 10): QueueMessage[] {
    const busyGroups = new Set(
      this.fifo ? this.files("inflight").map((f) => this.read("inflight", f).groupId ?? "") : [],
    );
    const taken: QueueMessage[] = [];
    for (const file of this.files("pending")) {
      if (taken.length >= max) break;
      const stored = this.read("pending", file);
      if (this.fifo) {
        const group = stored.groupId ?? "";
        if (busyGroups.has(group)) continue;
        busyGroups.add(group);
      }
      stored.receiveCount += 1;
      writeFileSync(join(this.dir, "pending", file), JSON.stringify(stored));
      renameSync(join(this.dir, "pending", file), join(this.dir, "inflight", file));
      taken.push({ ...stored, receiptHandle: file });
    }
    return taken;
  }

  ack(receiptHandle: string): void {
    rmSync(join(this.dir, "inflight", receiptHandle), { force: true });
  }

  /** Makes a failed message visible again, or dead-letters it after `maxReceives` receives. */
  fail(receiptHandle: string): "retry" | "dead" {
    const stored = this.read("inflight", receiptHandle);
    const target = stored.receiveCount >= this.maxReceives ? "dead" : "pending";
    renameSync(join(this.dir, "inflight", receiptHandle), join(this.dir, target, receiptHandle));
    return target === "dead" ? "dead" : "retry";
  }

  depth(): { pending: number; inflight: number; dead: number } {
    return {
      pending: this.files("pending").length,
      inflight: this.files("inflight").length,
      dead: this.files("dead").length,
    };
  }

  /** Moves every dead letter back to the queue with a fresh receive count; returns how many. */
  redriveDeadLetters(): number {
    const files = this.files("dead");
    for (const file of files) {
      const stored = this.read("dead", file);
      stored.receiveCount = 0;
      writeFileSync(join(this.dir, "dead", file), JSON.stringify(stored));
      renameSync(join(this.dir, "dead", file), join(this.dir, "pending", file));
    }
    return files.length;
  }

  deadLetters(): QueueMessage[] {
    return this.files("dead").map((f) => ({ ...this.read("dead", f), receiptHandle: f }));
  }

  private read(sub: string, file: string): Stored {
    return JSON.parse(readFileSync(join(this.dir, sub, file), "utf8")) as Stored;
  }
}
