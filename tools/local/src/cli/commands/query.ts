import { quoteIdent } from "@etl/db";
import pg from "pg";
import { formatTable } from "../../summary";
import { CliError, type Command, out, UsageError } from "../command";
import { targetOptions, withTarget } from "./operate";

/** The role `etl query` takes for its statement when the warehouse has it: a role that cannot write. */
export const QUERY_ROLE = "etl_reader";

/** PostgreSQL's refusal of more than one statement in one prepared statement. */
const MULTIPLE_COMMANDS = /cannot insert multiple commands into a prepared statement/;

function cell(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "number" || typeof v === "string") return v;
  if (Buffer.isBuffer(v)) return `\\x${v.toString("hex")}`;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export const query: Command = {
  name: "query",
  summary: 'run one read-only SQL statement on the warehouse: etl query "select ..."',
  usage:
    'etl query "<sql>" [--json] [--aws] [--data-dir DIR]\n\n' +
    "  One statement only, sent as a prepared statement (PostgreSQL refuses several), inside\n" +
    "  `begin transaction read only` ... `rollback`, as the role etl_reader when it exists\n" +
    "  (ETL_QUERY_ROLE names another; create it with SELECT grants only, see the README).\n" +
    "  --json  print {columns, rows, rowCount} on stdout and nothing else",
  options: { ...targetOptions, json: { type: "boolean" } },
  async run({ values, positionals }) {
    const sql = positionals.join(" ").trim();
    if (!sql)
      throw new UsageError(
        'give the SQL to run, e.g. etl query "select count(*) from warehouse.fact_sales_order"',
      );
    return withTarget(values, async (target) => {
      const url = target.env.WAREHOUSE_URL;
      if (!url) throw new UsageError("WAREHOUSE_URL is not set: it names the warehouse to query");
      const client = new pg.Client({ connectionString: url });
      client.on("error", () => undefined);
      await client.connect();
      try {
        await client.query("begin transaction read only");
        const role = process.env.ETL_QUERY_ROLE ?? QUERY_ROLE;
        const roles = await client.query("select 1 from pg_roles where rolname = $1", [role]);
        if (roles.rowCount) await client.query(`set local role ${quoteIdent(role)}`);
        let result: pg.QueryArrayResult<unknown[]>;
        try {
          // The extended protocol: PostgreSQL parses the text as one statement or refuses it,
          // so `commit; create table ...` never reaches the executor (no naive `;` split).
          // pg 8 sends a query with `queryMode: "extended"` as Parse/Bind/Execute; its types lack it.
          const statement: pg.QueryArrayConfig & { queryMode: "extended" } = {
            text: sql,
            rowMode: "array",
            queryMode: "extended",
          };
          result = await client.query(statement);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (MULTIPLE_COMMANDS.test(message))
            throw new UsageError(
              "runs one statement at a time; nothing was run (remove the `;`-separated others)",
            );
          throw new CliError(`the warehouse refused the statement: ${message}`);
        } finally {
          await client.query("rollback").catch(() => undefined);
        }
        if (!Array.isArray(result.fields) || !Array.isArray(result.rows))
          throw new CliError("the statement returned no result set: etl query runs SELECT-like statements");
        const columns = result.fields.map((f) => f.name);
        const rows = result.rows.map((r) => r.map(cell));
        if (values.json === true) {
          out(JSON.stringify({ columns, rows, rowCount: rows.length }));
          return 0;
        }
        for (const line of formatTable(columns, rows)) out(line);
        out(`(${rows.length} rows)`);
        return 0;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
  },
};
