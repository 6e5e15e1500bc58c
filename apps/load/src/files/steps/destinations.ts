import { createHash } from "node:crypto";
import type { FileFormat } from "@etl/db/rules";
import { DataError } from "@etl/schemas";
import type { LandedObject } from "./landed-objects";

// The archive and error keys of landed files are laid out with the rest of the key layout.
export { datePath, fittedName, MAX_KEY_BYTES, moveKey } from "@etl/s3-io";

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
