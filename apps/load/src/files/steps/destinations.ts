import { createHash } from "node:crypto";
import type { FileFormat } from "@etl/db";
import { DataError } from "@etl/schemas";
import type { LandedObject } from "./landed-objects";

const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY/MM/DD` of a time, in UTC. */
export function datePath(at: Date): string {
  return `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}`;
}

/** The last segment of a key: the file's name. */
export function fileName(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/**
 * What tells two writes of one key apart: the version id (versioned bucket), else S3's
 * sequencer, else the ETag. A duplicate delivery of one event carries the same value.
 */
export function versionTag(object: LandedObject): string {
  return object.versionId ?? object.sequencer ?? object.etag ?? "unversioned";
}

/**
 * 32 hex characters identifying the object version: the id of its claim, its ledger row and its
 * processing copy. Made only of hex, so it is safe in any key and any SQL literal.
 */
export function fileId(object: LandedObject): string {
  return createHash("sha256")
    .update(`${object.bucket}\n${object.key}\n${versionTag(object)}`)
    .digest("hex")
    .slice(0, 32);
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

const EXTENSIONS: Record<FileFormat, string> = {
  csv: ".csv",
  delimited: ".txt",
  fixed_width: ".txt",
  jsonl: ".jsonl",
  parquet: ".parquet",
};

/**
 * `<processing prefix><rule>/<file id>[-<part>]<ext>[.gz]`: the copy that is loaded. It carries
 * none of the landed key's text, so it is safe in a Redshift COPY; it is the same for every
 * attempt on one object version, so a retry overwrites what an earlier attempt left.
 */
export function processingKey(
  prefix: string,
  rule: string,
  id: string,
  format: FileFormat,
  gzip: boolean,
  part?: string,
): string {
  return `${prefix}${rule}/${id}${part ? `-${part}` : ""}${EXTENSIONS[format]}${gzip ? ".gz" : ""}`;
}

/**
 * The JSONPaths file of a JSON Lines processing copy: the data key with its `.jsonl[.gz]` replaced
 * by `.jsonpaths`, beside the data under the processing prefix (which notifies nothing, and which
 * the COPY role reads). Redshift's COPY treats its FROM as a key prefix and loads every object
 * under it, so a file named `<data key>.jsonpaths` would be read as data (an all-NULL row, or a
 * failed GZIP load). This key never starts with the data key, which goes on with `.jsonl`.
 */
export function jsonPathsKey(dataKey: string): string {
  const key = `${dataKey.replace(/\.jsonl(\.gz)?$/, "")}.jsonpaths`;
  if (key.startsWith(dataKey))
    throw new DataError(
      `the JSONPaths key of ${dataKey} would lie under the COPY's FROM prefix: a JSON Lines processing copy ends with .jsonl or .jsonl.gz`,
      { code: "BAD_COPY_OPTION" },
    );
  return key;
}

/** The ledger key of an object version: `landed:<bucket>/<rule>/<file id>`. */
export function ledgerKey(bucket: string, rule: string, id: string): string {
  return `landed:${bucket}/${rule}/${id}`;
}
