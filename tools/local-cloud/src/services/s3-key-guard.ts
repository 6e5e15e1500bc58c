/**
 * The local S3 server stores an object as files named after its key (`a/b/c` becomes the
 * folders `a/b` and the files `c._S3rver_object`, `c._S3rver_metadata.json`, ...), so a key
 * segment longer than a file name (255 bytes) cannot be stored, although real S3 accepts it. Left
 * to the server, such a write fails with ENAMETOOLONG on a stream nobody listens to and kills
 * the whole process. This guard answers those requests first, with an S3-shaped error.
 */

/** The longest file name on the usual file systems (ext4, APFS, NTFS), in bytes. */
export const MAX_SEGMENT_BYTES = 255;
/** The server's longest suffix on the last segment: `._S3rver_metadata.json`. */
const LAST_SEGMENT_SUFFIX_BYTES = "._S3rver_metadata.json".length;
export const MAX_LAST_SEGMENT_BYTES = MAX_SEGMENT_BYTES - LAST_SEGMENT_SUFFIX_BYTES;

export interface GuardContext {
  method: string;
  path: string;
  status: number;
  type: string;
  body: unknown;
}

/** The byte length of the first key segment the server cannot store, or undefined. */
export function unstorableSegment(key: string): number | undefined {
  const segments = key.split("/");
  for (const [i, segment] of segments.entries()) {
    const bytes = Buffer.byteLength(segment);
    const limit = i === segments.length - 1 ? MAX_LAST_SEGMENT_BYTES : MAX_SEGMENT_BYTES;
    if (bytes > limit) return bytes;
  }
  return undefined;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
}

function keyOf(path: string): string | undefined {
  const match = /^\/[^/]+\/(.+)$/.exec(path);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

/** Koa middleware for the S3 server (path-style requests). */
export async function s3KeyGuard(ctx: GuardContext, next: () => Promise<void>): Promise<void> {
  const key = keyOf(ctx.path);
  const bytes = key === undefined ? undefined : unstorableSegment(key);
  if (bytes === undefined) return next();
  const method = ctx.method.toUpperCase();
  if (method === "GET" || method === "HEAD") {
    // Such an object can never have been stored here.
    ctx.status = 404;
    ctx.type = "application/xml";
    ctx.body = method === "HEAD" ? "" : errorXml("NoSuchKey", "The specified key does not exist.");
    return;
  }
  if (method === "DELETE") {
    ctx.status = 204;
    ctx.body = "";
    return;
  }
  ctx.status = 400;
  ctx.type = "application/xml";
  ctx.body = errorXml(
    "KeyTooLongError",
    `The local S3 server stores each object as files named after its key, so a key segment between slashes may be at most ${MAX_SEGMENT_BYTES} bytes (${MAX_LAST_SEGMENT_BYTES} for the last one); this key has a segment of ${bytes} bytes. Real S3 accepts it: shorten the segment to use it locally.`,
  );
}
