import { createHash } from "node:crypto";
import type { FileFormat } from "@etl/db";
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

/** `<prefix><rule>/YYYY/MM/DD/<name>`: the archive (or error) key of a landed file. */
export function moveKey(prefix: string, rule: string, at: Date, name: string): string {
  return `${prefix}${rule}/${datePath(at)}/${name}`;
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

/** The ledger key of an object version: `landed:<bucket>/<rule>/<file id>`. */
export function ledgerKey(bucket: string, rule: string, id: string): string {
  return `landed:${bucket}/${rule}/${id}`;
}
