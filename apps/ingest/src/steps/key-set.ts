import { Writable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { DataError } from "@etl/schemas";

/**
 * A table's primary keys at one snapshot, for hard-delete detection: a sorted `Float64Array`
 * (8 bytes a key, exact up to 2^53; 8 MB at a million rows), never a `Set` of numbers (about
 * five times that).
 */
export type KeySet = Float64Array;

const NEWLINE = 10;
const ZERO = 48;
const NINE = 57;

/**
 * A writable for the snapshot's key stream (`streamKeys`: decimal keys, one per line, in table
 * order) that parses the bytes straight into a growing `Float64Array`: no strings, no per-key
 * objects.
 */
export class KeyCollector extends Writable {
  private buffer = new Float64Array(1024);
  private count = 0;
  private current = 0;
  private digits = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    try {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i] ?? NEWLINE;
        if (byte >= ZERO && byte <= NINE) {
          this.current = this.current * 10 + (byte - ZERO);
          this.digits += 1;
        } else if (byte === NEWLINE && this.digits > 0) {
          this.push(this.current);
          this.current = 0;
          this.digits = 0;
        } else {
          throw new DataError(`source key stream: byte ${byte} is not an integer key`);
        }
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private push(key: number): void {
    if (!Number.isSafeInteger(key)) throw new DataError(`source key ${key} is not an integer key`);
    if (this.count === this.buffer.length) {
      const grown = new Float64Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.count] = key;
    this.count += 1;
  }

  /**
   * The keys collected, ascending (a view of the collector's buffer, sorted in place): the
   * snapshot sends them in table order, which a sequential scan reads faster than the primary
   * key's index, and a typed-array sort of a million keys takes about a tenth of a second.
   */
  keys(): KeySet {
    const keys = this.buffer.subarray(0, this.count).sort();
    // A primary key is unique; a repeat would make the comparison wrong.
    for (let i = 1; i < keys.length; i++) {
      if ((keys[i] ?? 0) === (keys[i - 1] ?? 0)) throw new DataError(`source key ${keys[i]} arrived twice`);
    }
    return keys;
  }
}

const MAGIC = "etl-keys-1";

/**
 * The stored form of a key set: a header, then each key's distance from the one before as a
 * LEB128 varint, gzip-compressed. Keys of a real table are dense, so most distances are 1 and
 * a million keys take a few kilobytes.
 */
export function encodeKeySet(keys: KeySet): Buffer {
  const header = Buffer.from(`${MAGIC}\n${keys.length}\n`);
  const body = Buffer.allocUnsafe(keys.length * 8 + 8);
  let at = 0;
  let previous = -1;
  for (const key of keys) {
    let delta = key - previous;
    previous = key;
    // Division, not bit shifts: keys go beyond 32 bits.
    while (delta >= 128) {
      body[at++] = (delta % 128) + 128;
      delta = Math.floor(delta / 128);
    }
    body[at++] = delta;
  }
  return gzipSync(Buffer.concat([header, body.subarray(0, at)]), { level: 6 });
}

/** Reads a key set written by `encodeKeySet`. */
export function decodeKeySet(stored: Uint8Array): KeySet {
  const bytes = gunzipSync(stored);
  const firstLine = bytes.indexOf(NEWLINE);
  const secondLine = bytes.indexOf(NEWLINE, firstLine + 1);
  if (firstLine < 0 || secondLine < 0 || bytes.subarray(0, firstLine).toString() !== MAGIC) {
    throw new DataError("stored key set has no etl-keys-1 header");
  }
  const count = Number(bytes.subarray(firstLine + 1, secondLine).toString());
  const keys = new Float64Array(count);
  let at = secondLine + 1;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    let delta = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new DataError(`stored key set ends after ${i} of ${count} keys`);
      delta += (byte & 127) * scale;
      if (byte < 128) break;
      scale *= 128;
    }
    previous += delta;
    keys[i] = previous;
  }
  return keys;
}

/** The keys of `previous` missing from `current` (both ascending), ascending: one merge pass. */
export function deletedKeys(previous: KeySet, current: KeySet): number[] {
  const deleted: number[] = [];
  let j = 0;
  for (const key of previous) {
    while (j < current.length && (current[j] ?? 0) < key) j += 1;
    if (j < current.length && current[j] === key) continue;
    deleted.push(key);
  }
  return deleted;
}
