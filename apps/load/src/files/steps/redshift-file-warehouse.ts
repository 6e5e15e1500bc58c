import {
  DEFAULT_CSV,
  fileLoadError,
  jsonPathsDocument,
  type RedshiftFileFormat,
  type RedshiftFileLoader,
  redshiftFileBatchSql,
  redshiftFileCopySql,
} from "@etl/db/file-load";
import { type StatementRunner, StatementStillRunningError } from "@etl/db/redshift";
import { delimitedOptions } from "@etl/db/rules";
import type { ObjectStore } from "@etl/s3-io";
import { messageOf } from "@etl/schemas";
import { jsonPathsKey, processingKey } from "./destinations";
import { type FileLoadRequest, type FileLoadResult, type FileWarehouse, sourceNames } from "./file-warehouse";

export interface RedshiftFileWarehouseOptions {
  /** The checks (columns, ledger) as parameterised queries. */
  loader: RedshiftFileLoader;
  /** Submits and awaits the load's batch: the deadline, the 1023 retries and the hand-off. */
  statements: StatementRunner;
  store: ObjectStore;
  iamRoleArn: string;
  /** A short correlation id for statement names (never metadata). */
  correlationId(): string;
  now?: () => number;
}

function redshiftFormat(request: FileLoadRequest, jsonPathsUri: string): RedshiftFileFormat {
  const { rule } = request;
  switch (rule.format) {
    case "csv":
    case "delimited":
      return { kind: "csv", ...delimitedOptions(rule) };
    case "fixed_width":
      // The processing copy is CSV with each field trimmed (see prepare-file.ts).
      return { kind: "csv", ...DEFAULT_CSV };
    case "jsonl":
      return { kind: "json", jsonPathsUri };
    case "parquet":
      return { kind: "parquet" };
  }
}

/**
 * Redshift: the processing copy loaded with `COPY` from S3 in one Data API batch (staging, COPY,
 * time zone, write, follow-up, ledger row). The statement id is recorded before it is awaited;
 * an attempt that finds one picks it up instead of submitting twice.
 */
export function createRedshiftFileWarehouse(options: RedshiftFileWarehouseOptions): FileWarehouse {
  const now = options.now ?? Date.now;
  /**
   * The statement an earlier attempt submitted for this object version: its id when it
   * FINISHED; undefined when it failed (nothing of it committed, so the load starts afresh and a
   * data error fails again then, to be reported); still running is thrown again.
   */
  const resume = async (statementId: string, deadline: number): Promise<string | undefined> => {
    try {
      const status = await options.statements.resume(statementId, { deadline });
      return status.state === "FINISHED" ? statementId : undefined;
    } catch (error) {
      if (error instanceof StatementStillRunningError) throw error;
      return undefined;
    }
  };
  const source = (request: FileLoadRequest) => {
    const uri = `s3://${request.bucket}/${request.key}`;
    return {
      uri,
      iamRoleArn: options.iamRoleArn,
      format: redshiftFormat(
        request,
        request.rule.format === "jsonl" ? `s3://${request.bucket}/${jsonPathsKey(request.key)}` : "",
      ),
      gzip: request.rule.compression === "gzip",
    };
  };
  return {
    target: "redshift",
    columns(schema, table, deadline) {
      return options.loader.columns(schema, table, { deadline, now });
    },
    problems(rule) {
      // Generating the COPY for a placeholder spec finds what Redshift's COPY cannot express.
      const probe = {
        rule,
        bucket: "probe",
        // A key of the processing copy's shape (the JSONPaths key is derived from it).
        key: processingKey("probe/", rule.name, "x", rule.format, rule.compression === "gzip"),
        deadline: 0,
        spec: {
          schema: "s",
          table: "t",
          fields: [{ column: "c" }],
          mode: "append",
          keys: [],
          timeZone: "UTC",
          ledger: {
            controlSchema: "etl",
            key: "k",
            runId: "r",
            table: "t",
            sha256: "0",
            rows: 0,
            loadedAt: new Date(0),
          },
        },
      } satisfies FileLoadRequest;
      try {
        redshiftFileCopySql(probe.spec, {
          ...source(probe),
          iamRoleArn: "arn:aws:iam::000000000000:role/probe",
        });
        return [];
      } catch (error) {
        return [messageOf(error)];
      }
    },
    async load(request) {
      const rows = request.spec.ledger.rows;
      const resumed = request.statementId ? await resume(request.statementId, request.deadline) : undefined;
      if (resumed) return { status: "loaded", rows, statementId: resumed };
      const wait = { deadline: request.deadline, now };
      if (await options.loader.isLoaded(request.spec.ledger.controlSchema, request.spec.ledger.key, wait))
        return { status: "already-loaded", rows: 0 };
      if (request.rule.format === "jsonl") {
        await options.store.put(
          request.bucket,
          jsonPathsKey(request.key),
          jsonPathsDocument(sourceNames(request.rule).map((s) => s ?? "")),
          { contentType: "application/json" },
        );
      }
      // Another load writing the table at the same time (1023) is resubmitted by the runner, as
      // often as SERIALIZATION_RETRIES says; a statement still running at the deadline is thrown
      // as StatementStillRunningError, its id recorded through onSubmitted for the next attempt.
      const status = await options.statements.run(
        {
          sqls: redshiftFileBatchSql(request.spec, source(request)),
          name: `etl-file-${options.correlationId()}`,
        },
        { deadline: request.deadline, ...(request.onSubmitted ? { onSubmitted: request.onSubmitted } : {}) },
      );
      if (status.state !== "FINISHED") throw fileLoadError(status, request.spec);
      return { status: "loaded", rows, statementId: status.id } satisfies FileLoadResult;
    },
  };
}
