import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { StatementStillRunningError } from "@etl/db/errors";
import { createRedshiftFileLoader, type FileLoadSpec } from "@etl/db/file-load";
import { createRedshiftDataApi, createStatementRunner } from "@etl/db/redshift";
import { type FileRuleInput, FileRuleSchema } from "@etl/db/rules";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { FileLoadRequest } from "./file-warehouse";
import { createRedshiftFileWarehouse } from "./redshift-file-warehouse";

const redshift = mockClient(RedshiftDataClient);
const ROLE = "arn:aws:iam::123456789012:role/etl-copy";
const PROCESSING = "processing/odd/0123456789abcdef0123456789abcdef.txt";

function request(input: Partial<FileRuleInput>, extra: Partial<FileLoadRequest> = {}): FileLoadRequest {
  const rule = FileRuleSchema.parse({
    name: "odd",
    keyGlob: "landing/*",
    format: "delimited",
    delimiter: "'",
    quote: "~",
    target: { schema: "landed", table: "t" },
    columns: [{ name: "id" }, { name: "note" }],
    ...input,
  });
  const spec: FileLoadSpec = {
    schema: "landed",
    table: "t",
    fields: [
      { column: "id", dataType: "integer" },
      { column: "note", dataType: "text" },
    ],
    mode: "append",
    keys: [],
    timeZone: "UTC",
    ledger: {
      controlSchema: "etl",
      key: "landed:etl-landing/odd/0123456789abcdef0123456789abcdef",
      runId: "files:odd",
      table: "landed.t",
      sha256: "c".repeat(64),
      rows: 2,
      loadedAt: new Date("2026-11-23T10:00:00.000Z"),
    },
  };
  return { rule, spec, bucket: "etl-landing", key: PROCESSING, deadline: Number.MAX_SAFE_INTEGER, ...extra };
}

function warehouse(now = () => 5_000) {
  const store = createMemoryObjectStore();
  const api = createRedshiftDataApi(new RedshiftDataClient({ region: "eu-west-2" }), {
    workgroupName: "etl",
    database: "dev",
  });
  const files = createRedshiftFileWarehouse({
    loader: createRedshiftFileLoader(api),
    statements: createStatementRunner({ api, serializationRetries: 3, now, sleep: async () => undefined }),
    store,
    iamRoleArn: ROLE,
    correlationId: () => "1a2b3c4d",
    now,
  });
  return { files, store };
}

/** The ledger query finds nothing: the version was not loaded before. */
function notLoadedYet() {
  redshift.on(ExecuteStatementCommand).resolves({ Id: "ledger-1" });
  redshift.on(DescribeStatementCommand, { Id: "ledger-1" }).resolves({ Id: "ledger-1", Status: "FINISHED" });
  redshift.on(GetStatementResultCommand).resolves({ ColumnMetadata: [], Records: [] });
}

beforeEach(() => {
  redshift.reset();
});

describe("createRedshiftFileWarehouse", () => {
  it("sends one batch whose COPY names only the generated processing key and an octal delimiter", async () => {
    notLoadedYet();
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-1" });
    redshift.on(DescribeStatementCommand, { Id: "batch-1" }).resolves({ Id: "batch-1", Status: "FINISHED" });
    const { files } = warehouse();

    const result = await files.load(request({}));

    expect(result).toEqual({ status: "loaded", rows: 2, statementId: "batch-1" });
    const sent = redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input;
    expect(sent?.StatementName).toBe("etl-file-1a2b3c4d");
    expect(sent?.WithEvent).toBe(true);
    expect(sent?.Sqls?.[1]).toBe(
      `copy "etl_file_stage" ("id", "note") from 's3://etl-landing/${PROCESSING}' ` +
        `iam_role '${ROLE}' format as csv quote as '~' delimiter as '\\047' emptyasnull timeformat 'auto' dateformat 'auto'`,
    );
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input.Parameters).toEqual([
      { name: "key", value: "landed:etl-landing/odd/0123456789abcdef0123456789abcdef" },
    ]);
  });

  it("writes the JSONPaths file of a JSON Lines rule outside the COPY's FROM prefix and points the COPY at it", async () => {
    notLoadedYet();
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-2" });
    redshift.on(DescribeStatementCommand, { Id: "batch-2" }).resolves({ Id: "batch-2", Status: "FINISHED" });
    const { files, store } = warehouse();
    const data = "processing/odd/0123456789abcdef0123456789abcdef.jsonl.gz";
    const jsonPaths = "processing/odd/0123456789abcdef0123456789abcdef.jsonpaths";

    await files.load(
      request(
        {
          format: "jsonl",
          compression: "gzip",
          delimiter: undefined,
          quote: undefined,
          columns: [{ name: "id", source: "ID" }, { name: "note" }],
        },
        { key: data },
      ),
    );

    expect(JSON.parse(store.text("etl-landing", jsonPaths) ?? "{}")).toEqual({
      jsonpaths: ["$['ID']", "$['note']"],
    });
    // COPY reads every object whose key starts with FROM: nothing but the data may.
    const underFrom: string[] = [];
    for await (const object of store.list("etl-landing", data)) underFrom.push(object.key);
    expect(underFrom).toEqual([]);
    expect(jsonPaths.startsWith(data)).toBe(false);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input.Sqls?.[1]).toBe(
      `copy "etl_file_stage" ("id", "note") from 's3://etl-landing/${data}' iam_role '${ROLE}' ` +
        `format as json 's3://etl-landing/${jsonPaths}' timeformat 'auto' dateformat 'auto' gzip`,
    );
  });

  it("refuses a JSON Lines data key that the JSONPaths key would fall under", async () => {
    notLoadedYet();
    const { files } = warehouse();

    await expect(
      files.load(
        request(
          { format: "jsonl", delimiter: undefined, quote: undefined },
          { key: "processing/odd/0123456789abcdef0123456789abcdef" },
        ),
      ),
    ).rejects.toThrow(/JSONPaths/);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toEqual([]);
  });

  it("loads a fixed-width rule's processing copy (CSV, fields trimmed) with COPY CSV, not the byte-counted FIXEDWIDTH", async () => {
    notLoadedYet();
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-3" });
    redshift.on(DescribeStatementCommand, { Id: "batch-3" }).resolves({ Id: "batch-3", Status: "FINISHED" });
    const { files } = warehouse();
    const data = "processing/odd/0123456789abcdef0123456789abcdef.csv";

    await files.load(
      request(
        {
          format: "fixed_width",
          delimiter: undefined,
          quote: undefined,
          columns: [
            { name: "id", width: 6 },
            { name: "note", width: 10 },
          ],
        },
        { key: data },
      ),
    );

    expect(redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input.Sqls?.[1]).toBe(
      `copy "etl_file_stage" ("id", "note") from 's3://etl-landing/${data}' iam_role '${ROLE}' ` +
        `format as csv quote as '"' delimiter as ',' emptyasnull timeformat 'auto' dateformat 'auto'`,
    );
  });

  it("skips an object version the ledger already has", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "ledger-2" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "ledger-2", Status: "FINISHED" });
    redshift
      .on(GetStatementResultCommand)
      .resolves({ ColumnMetadata: [{ name: "x" }], Records: [[{ longValue: 1 }]] });
    const { files } = warehouse();

    const result = await files.load(request({}));

    expect(result.status).toBe("already-loaded");
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });

  it("picks up the statement an earlier attempt submitted instead of submitting again", async () => {
    redshift.on(DescribeStatementCommand, { Id: "earlier" }).resolves({ Id: "earlier", Status: "FINISHED" });
    const { files } = warehouse();

    const result = await files.load(request({}, { statementId: "earlier" }));

    expect(result).toEqual({ status: "loaded", rows: 2, statementId: "earlier" });
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });

  it("records the statement id, then hands a statement still running at the deadline back as retryable", async () => {
    notLoadedYet();
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-3" });
    redshift.on(DescribeStatementCommand, { Id: "batch-3" }).resolves({ Id: "batch-3", Status: "STARTED" });
    const { files } = warehouse();
    const recorded: string[] = [];

    // The clock is past the deadline: a finished query still returns, a running batch is handed back.
    const load = files.load(
      request({}, { deadline: 1_000, onSubmitted: async (id) => void recorded.push(id) }),
    );

    await expect(load).rejects.toThrow(StatementStillRunningError);
    expect(recorded).toEqual(["batch-3"]);
  });

  it.each([
    ["a quote Redshift cannot take", { quote: "\\" }, /cannot take "\\\\" as the CSV quote/],
    ["an escape other than the quote", { quote: '"', escape: "\\" }, /escape other than the quote/],
  ])("names %s before anything is read", (_, change, expected) => {
    const { files } = warehouse();

    expect(files.problems(request(change).rule).join()).toMatch(expected);
  });

  it("submits the batch again after a serializable isolation violation, then succeeds", async () => {
    notLoadedYet();
    redshift.on(BatchExecuteStatementCommand).resolvesOnce({ Id: "batch-a" }).resolves({ Id: "batch-b" });
    redshift.on(DescribeStatementCommand, { Id: "batch-a" }).resolves({
      Id: "batch-a",
      Status: "FAILED",
      Error: "ERROR: 1023 DETAIL: Serializable isolation violation on table - 123456",
    });
    redshift.on(DescribeStatementCommand, { Id: "batch-b" }).resolves({ Id: "batch-b", Status: "FINISHED" });
    const { files } = warehouse();
    const recorded: string[] = [];

    const result = await files.load(request({}, { onSubmitted: async (id) => void recorded.push(id) }));

    expect(result.statementId).toBe("batch-b");
    expect(recorded).toEqual(["batch-a", "batch-b"]);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(2);
  });
});
