import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { createGzip, type Gzip } from "node:zlib";
import type { ObjectStore } from "@etl/s3-io";
import type { ManifestFile } from "@etl/schemas";

export interface PartSinkOptions {
  store: ObjectStore;
  bucket: string;
  keyForPart: (partNumber: number) => string;
  /** A part is closed at the first line end after this many uncompressed bytes. */
  maxPartBytes: number;
  /**
   * 1 (the fastest) by default: on these JSON Lines it costs about a quarter of level 6's CPU
   * for parts about 30% larger (docs/decisions.md), and CPU is what bounds a first load.
   */
  gzipLevel?: number;
  /**
   * Told the rows read so far after every `progressBytes` of input (1 MiB by default): a
   * progress display's counter, called per batch of rows, never per row.
   */
  onProgress?: (rows: number) => void;
  progressBytes?: number;
}

/**
 * A writable for JSON Lines bytes that cuts them into gzip parts of bounded size, at line ends,
 * and uploads each part as soon as it is complete: memory holds at most the part being
 * compressed and the one being uploaded. Bytes pass through untouched (no parse, no
 * re-serialise), so the rows in S3 are exactly what the database produced.
 */
export class PartSink extends Writable {
  readonly files: ManifestFile[] = [];
  private gzip: Gzip | undefined;
  private compressed: Buffer[] = [];
  private partBytes = 0;
  private partRows = 0;
  private partNumber = 0;
  private pendingUpload: Promise<void> = Promise.resolve();
  private uploadError: unknown;
  /** Rows of the parts already closed. */
  private closedRows = 0;
  private totalBytes = 0;
  private nextProgressAt: number;

  constructor(private readonly options: PartSinkOptions) {
    super({ highWaterMark: 1024 * 1024 });
    this.nextProgressAt = options.progressBytes ?? 1024 * 1024;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.consume(chunk).then(() => {
      if (this.options.onProgress) this.reportProgress(chunk.length);
      done();
    }, done);
  }

  private reportProgress(bytes: number): void {
    this.totalBytes += bytes;
    if (this.totalBytes < this.nextProgressAt) return;
    const step = this.options.progressBytes ?? 1024 * 1024;
    this.nextProgressAt = (Math.floor(this.totalBytes / step) + 1) * step;
    this.options.onProgress?.(this.closedRows + this.partRows);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.closePart()
      .then(() => this.settleUpload())
      .then(() => done(), done);
  }

  private async consume(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const gzip = this.openPart();
      const room = this.options.maxPartBytes - this.partBytes;
      if (room > 0) {
        // Below the limit: take the whole chunk (or what fits), counting its lines.
        const take = chunk.subarray(offset, Math.min(chunk.length, offset + room));
        this.partRows += countNewlines(take);
        this.partBytes += take.length;
        offset += take.length;
        if (!gzip.write(take)) await onceDrained(gzip);
        continue;
      }
      // At or past the limit: finish the current line, then close the part.
      const newline = chunk.indexOf(10, offset);
      const end = newline === -1 ? chunk.length : newline + 1;
      const tail = chunk.subarray(offset, end);
      this.partBytes += tail.length;
      offset = end;
      if (!gzip.write(tail)) await onceDrained(gzip);
      if (newline !== -1) {
        this.partRows += 1;
        await this.closePart();
      }
    }
  }

  private openPart(): Gzip {
    if (this.gzip) return this.gzip;
    const gzip = createGzip({ level: this.options.gzipLevel ?? 1 });
    this.compressed = [];
    gzip.on("data", (b: Buffer) => this.compressed.push(b));
    this.gzip = gzip;
    this.partBytes = 0;
    this.partRows = 0;
    return gzip;
  }

  private async closePart(): Promise<void> {
    const gzip = this.gzip;
    if (!gzip) return;
    this.gzip = undefined;
    const rows = this.partRows;
    if (this.partBytes === 0) return;
    this.closedRows += rows;
    this.partRows = 0;
    await new Promise<void>((resolve, reject) => {
      gzip.once("end", resolve);
      gzip.once("error", reject);
      gzip.end();
    });
    const body = Buffer.concat(this.compressed);
    this.compressed = [];
    this.partNumber += 1;
    const key = this.options.keyForPart(this.partNumber);
    const file: ManifestFile = {
      key,
      rows,
      bytes: body.length,
      sha256: createHash("sha256").update(body).digest("hex"),
    };
    this.files.push(file);
    // One upload in flight while the next part compresses.
    await this.settleUpload();
    this.pendingUpload = this.options.store
      .put(this.options.bucket, key, body, { contentType: "application/gzip", ifNoneMatch: true })
      .then(
        () => undefined,
        (error: unknown) => {
          this.uploadError = error;
        },
      );
  }

  private async settleUpload(): Promise<void> {
    await this.pendingUpload;
    if (this.uploadError !== undefined) throw this.uploadError;
  }
}

function countNewlines(buffer: Buffer): number {
  let count = 0;
  let at = buffer.indexOf(10);
  while (at !== -1) {
    count += 1;
    at = buffer.indexOf(10, at + 1);
  }
  return count;
}

function onceDrained(gzip: Gzip): Promise<void> {
  return new Promise((resolve) => gzip.once("drain", resolve));
}
