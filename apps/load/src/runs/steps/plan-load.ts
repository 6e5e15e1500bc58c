import type { ObjectInfo } from "@etl/s3-io";
import {
  DataError,
  type ProcessedRunManifest,
  STAR_TABLE_NAMES,
  type StarDeletion,
  type StarTable,
} from "@etl/schemas";

/** One file of the run as the load sees it: the manifest's promise and what S3 says about it. */
export interface LoadFile {
  table: StarTable;
  key: string;
  rows: number;
  /** Size in S3 (checked equal to the manifest's); exact, as a Redshift COPY manifest needs. */
  bytes: number;
  sha256: string;
  etag?: string;
}

export interface TableLoad {
  table: StarTable;
  files: LoadFile[];
}

export interface LoadPlan {
  runId: string;
  bucket: string;
  /** Tables in load order (dimensions before facts), each with its files in manifest order. */
  tables: TableLoad[];
  /**
   * The run that must be loaded first (the manifest's `previousRunId`); null for the first run,
   * undefined for manifests of older transforms, which load without the check.
   */
  previousRunId?: string | null;
  /** Rows deleted at the source, per star table: applied after the tables, in the same load. */
  deletions?: readonly StarDeletion[];
}

/**
 * The run's files grouped by table, tables in `STAR_TABLE_NAMES` order whatever order the
 * manifest lists them in, so a fact never loads before the dimensions it references. Each file
 * must exist with the size the manifest gives; a file listed twice is refused.
 */
export function planLoad(
  manifest: ProcessedRunManifest,
  bucket: string,
  objects: ReadonlyMap<string, ObjectInfo | undefined>,
): LoadPlan {
  const seen = new Set<string>();
  const byTable = new Map<StarTable, LoadFile[]>();
  for (const file of manifest.files) {
    if (seen.has(file.key)) {
      throw new DataError(`run ${manifest.runId} lists ${file.key} twice`, { code: "BAD_MANIFEST" });
    }
    seen.add(file.key);
    const info = objects.get(file.key);
    if (!info) {
      throw new DataError(
        `run ${manifest.runId}: ${file.table} file s3://${bucket}/${file.key} does not exist`,
        {
          code: "MISSING_FILE",
        },
      );
    }
    if (info.size !== file.bytes) {
      throw new DataError(
        `run ${manifest.runId}: s3://${bucket}/${file.key} has ${info.size} bytes, its manifest says ${file.bytes}`,
        { code: "SIZE_MISMATCH" },
      );
    }
    const files = byTable.get(file.table) ?? [];
    files.push({
      table: file.table,
      key: file.key,
      rows: file.rows,
      bytes: info.size,
      sha256: file.sha256,
      ...(info.etag ? { etag: info.etag } : {}),
    });
    byTable.set(file.table, files);
  }
  const tables = STAR_TABLE_NAMES.flatMap((table) => {
    const files = byTable.get(table);
    return files ? [{ table, files }] : [];
  });
  return {
    runId: manifest.runId,
    bucket,
    tables,
    ...(manifest.previousRunId !== undefined ? { previousRunId: manifest.previousRunId } : {}),
    ...(manifest.deletions ? { deletions: manifest.deletions } : {}),
  };
}
