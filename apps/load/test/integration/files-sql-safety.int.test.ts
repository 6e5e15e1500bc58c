import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { createRedshiftFileLoader } from "@etl/db/file-load";
import { createRedshiftDataApi, createStatementRunner } from "@etl/db/redshift";
import { FileRuleSchema } from "@etl/db/rules";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runFileLoad } from "../../src/files/run-file-load";
import { createRedshiftFileWarehouse } from "../../src/files/steps/redshift-file-warehouse";
import { createFilesWorld, type FilesWorld } from "./files-support";

const KEY = "landing/x';drop table t;--.csv";
const SNEAKY = "'; drop table landed.t; --";
/** Delimiter `'`, quote `;`, escape `\`: the characters SQL injection is made of. */
const BODY = `1';It's a \\; test;'0.50'2026-07-01 12:00:00\n2';O'Hara;'1.00'2026-07-01 12:00:00\n`;

let world: FilesWorld;

beforeEach(async () => {
  world = await createFilesWorld();
  await world.db.query("create table landed.t (id integer)");
  await world.db.query("create table public.t (id integer)");
  await world.rules.upsert(
    FileRuleSchema.parse({
      name: "sneaky",
      keyGlob: "landing/*.csv",
      description: SNEAKY,
      format: "delimited",
      delimiter: "'",
      quote: ";",
      escape: "\\",
      target: { schema: "landed", table: "orders" },
      columns: [{ name: "order_id" }, { name: "customer" }, { name: "amount" }, { name: "sold_at" }],
      errorMessage: SNEAKY,
    }),
  );
});

afterEach(async () => {
  await world.close();
});

const tablesExist = async () =>
  world.rows("select to_regclass('landed.t')::text as landed_t, to_regclass('public.t')::text as public_t");

describe("keys and rule values cannot change the SQL that runs", () => {
  it("PostgreSQL: the key never reaches SQL, the odd characters become hex escapes, every table survives", async () => {
    const outcome = await world.load(KEY, BODY);

    expect(outcome.error).toBeUndefined();
    expect(outcome).toMatchObject({ status: "FINISHED", rule: "sneaky", rows: 2 });
    expect(await world.rows("select order_id, customer from landed.orders order by order_id")).toEqual([
      { order_id: 1, customer: "It's a ; test" },
      { order_id: 2, customer: "O'Hara" },
    ]);
    expect(await tablesExist()).toEqual([{ landed_t: "landed.t", public_t: "t" }]);
    const copy = world.sql.find((s) => s.startsWith("copy "));
    expect(copy).toBe(
      `copy "_etl_file_stage" ("order_id", "customer", "amount", "sold_at") from stdin with ` +
        `(format csv, delimiter E'\\x27', quote E'\\x3b', escape E'\\x5c')`,
    );
    for (const sql of world.sql) {
      expect(sql).not.toContain("drop table");
      expect(sql).not.toContain("x'");
      expect(sql).not.toContain("--");
    }
    expect(await world.keys("archive/")).toEqual([
      expect.stringMatching(/^archive\/sneaky\/\d{4}\/\d{2}\/\d{2}\/x';drop table t;--\.csv$/),
    ]);
  });

  it("PostgreSQL: a rule row whose target is SQL is refused when read, and nothing runs against it", async () => {
    await world.db.query(
      `insert into etl_control.file_rules (name, key_glob, priority, active, definition) values ($1, $2, 0, true, $3)`,
      [
        "evil",
        "landing/*.csv",
        JSON.stringify({
          format: "csv",
          target: { schema: "landed", table: "t; drop table landed.t; --" },
          columns: [{ name: "id" }],
        }),
      ],
    );

    const outcome = await world.load(KEY, BODY);

    expect(outcome).toMatchObject({ status: "ABORTED", rule: "evil" });
    expect(outcome.error).toMatch(/rule evil is not valid: target\.table: must be a plain name/);
    expect(world.sql).toEqual([]);
    expect(await tablesExist()).toEqual([{ landed_t: "landed.t", public_t: "t" }]);
  });

  it("Redshift: the batch names only the generated processing key; the delimiter is octal", async () => {
    // Redshift's CSV escapes a quote by doubling it: the same rule without a separate escape.
    const sneaky = await world.rules.get("sneaky");
    await world.rules.upsert(FileRuleSchema.parse({ ...sneaky?.rule, escape: undefined }));
    const redshift = mockClient(RedshiftDataClient);
    try {
      redshift.on(ExecuteStatementCommand).callsFake((input: { Sql: string }) => ({
        Id: input.Sql.includes("information_schema") ? "columns" : "ledger",
      }));
      redshift
        .on(DescribeStatementCommand)
        .callsFake((input: { Id: string }) => ({ Id: input.Id, Status: "FINISHED" }));
      redshift.on(GetStatementResultCommand, { Id: "columns" }).resolves({
        ColumnMetadata: [{ name: "column_name" }, { name: "data_type" }],
        Records: [
          [{ stringValue: "order_id" }, { stringValue: "integer" }],
          [{ stringValue: "customer" }, { stringValue: "character varying" }],
          [{ stringValue: "amount" }, { stringValue: "numeric" }],
          [{ stringValue: "sold_at" }, { stringValue: "timestamp without time zone" }],
        ],
      });
      redshift.on(GetStatementResultCommand, { Id: "ledger" }).resolves({ ColumnMetadata: [], Records: [] });
      redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch" });
      const api = createRedshiftDataApi(new RedshiftDataClient({ region: "eu-west-2" }), {
        workgroupName: "etl",
        database: "dev",
      });
      const deps = {
        ...world.deps,
        warehouse: createRedshiftFileWarehouse({
          loader: createRedshiftFileLoader(api),
          statements: createStatementRunner({ api, serializationRetries: 0 }),
          store: world.deps.store,
          iamRoleArn: "arn:aws:iam::123456789012:role/etl-copy",
          correlationId: () => "0badc0de",
        }),
      };

      const outcome = await runFileLoad(await world.land(KEY, BODY), deps);

      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe("FINISHED");
      const sqls = redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input.Sqls ?? [];
      const copy = sqls.find((s) => s.startsWith("copy "));
      expect(copy).toMatch(
        new RegExp(
          `^copy "etl_file_stage" \\("order_id", "customer", "amount", "sold_at"\\) from 's3://${world.bucket}/processing/sneaky/[0-9a-f]{32}\\.txt' ` +
            `iam_role 'arn:aws:iam::123456789012:role/etl-copy' format as csv quote as ';' delimiter as '\\\\047' emptyasnull timeformat 'auto' dateformat 'auto'$`,
        ),
      );
      for (const sql of sqls) {
        expect(sql).not.toContain("drop table t");
        expect(sql).not.toContain("x'");
      }
      for (const call of redshift.commandCalls(ExecuteStatementCommand)) {
        expect(call.args[0].input.Sql).not.toContain("landed");
        expect(call.args[0].input.Parameters?.length).toBeGreaterThan(0);
      }
      expect(await tablesExist()).toEqual([{ landed_t: "landed.t", public_t: "t" }]);
    } finally {
      redshift.restore();
    }
  });
});
