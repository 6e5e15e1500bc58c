import { createHash } from "node:crypto";

/*
 * The keys a landed file moves to (`<prefix><rule>/YYYY/MM/DD/<name>`, under the landing bucket),
 * kept within S3's 1,024 bytes even when the landed key used all of them.
 */

const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY/MM/DD` of a time, in UTC. */
export function datePath(at: Date): string {
  return `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}`;
}

/** S3 keys have at most 1,024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;
/** Kept free after a moved file's key: `.<12 hex>` (another file of the name, same day) and `.reason.json`. */
const MOVE_SUFFIX_BYTES = 25;

/** The last characters of `text` that take at most `bytes` bytes of UTF-8. */
function utf8End(text: string, bytes: number): string {
  const chars = Array.from(text);
  let used = 0;
  let start = chars.length;
  while (start > 0) {
    const size = Buffer.byteLength(chars[start - 1] ?? "", "utf8");
    if (used + size > bytes) break;
    used += size;
    start--;
  }
  return chars.slice(start).join("");
}

/**
 * `name`, or, when `<dir><name>` plus `room` bytes would pass S3's 1,024 bytes (a landed key may
 * have all 1,024 in its name), `<12 hex of the name>-<its end>` that fits: the end keeps the
 * extension, the hash keeps two long names apart.
 */
export function fittedName(dir: string, name: string, room = 0): string {
  const budget = MAX_KEY_BYTES - room - Buffer.byteLength(dir, "utf8");
  if (Buffer.byteLength(name, "utf8") <= budget) return name;
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 12);
  return `${hash}-${utf8End(name, Math.max(0, budget - hash.length - 1))}`;
}

/** `<prefix><rule>/YYYY/MM/DD/<name>`: the archive (or error) key of a landed file, within 1,024 bytes. */
export function moveKey(prefix: string, rule: string, at: Date, name: string): string {
  const dir = `${prefix}${rule}/${datePath(at)}/`;
  return `${dir}${fittedName(dir, name, MOVE_SUFFIX_BYTES)}`;
}
