import { createHash } from "node:crypto";
import type { ObjectStore } from "@etl/s3-io";
import { DataError } from "@etl/schemas";
import { checkParquetFooter } from "./parquet-footer";
import type { LoadFile } from "./plan-load";

/**
 * Fetches one file of a run and verifies it before it is loaded: the checksum the manifest
 * gives (an object replaced or corrupted since the transform is refused) and the Parquet footer
 * against the target table.
 */
export async function readVerifiedFile(
  store: ObjectStore,
  bucket: string,
  file: LoadFile,
): Promise<Uint8Array> {
  const bytes = await store.get(bucket, file.key);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== file.sha256) {
    throw new DataError(
      `${file.table} ${file.key}: sha256 ${sha256} differs from the manifest's ${file.sha256}`,
      {
        code: "CHECKSUM_MISMATCH",
      },
    );
  }
  checkParquetFooter(file.table, file.key, bytes);
  return bytes;
}
