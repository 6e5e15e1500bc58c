import { quoteIdent } from "@etl/db";
import { createConnectionResolver } from "@etl/db/credentials";
import { messageOf, STAR_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { type DoctorCheck, type DoctorClients, type Env, fail, ok } from "./doctor-check";

const PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE"] as const;

/**
 * The PostgreSQL warehouse as the load sees it: it connects through the same secret or URL, may
 * use and create in the warehouse schema, and may read and write every star table there.
 */
export async function checkPostgres(env: Env, clients: DoctorClients): Promise<DoctorCheck[]> {
  const schema = env.WAREHOUSE_SCHEMA || "warehouse";
  const check = "warehouse (PostgreSQL)";
  if (!env.WAREHOUSE_SECRET_ARN && !env.WAREHOUSE_URL)
    return [
      fail(check, "neither WAREHOUSE_SECRET_ARN nor WAREHOUSE_URL is set", "export the load's variables"),
    ];
  let client: pg.Client;
  try {
    const resolve = createConnectionResolver(clients.secrets, undefined, { env });
    client = new pg.Client(await resolve({ secretArn: env.WAREHOUSE_SECRET_ARN, url: env.WAREHOUSE_URL }));
    await client.connect();
  } catch (error) {
    return [
      fail(
        check,
        `cannot connect: ${messageOf(error)}`,
        "check the security groups (the doctor must reach the database as the functions do), the secret, and DB_TLS / DB_TLS_CA_FILE",
      ),
    ];
  }
  try {
    const who = await client.query<{ user: string; exists: boolean }>(
      "select current_user as user, exists (select 1 from pg_namespace where nspname = $1) as exists",
      [schema],
    );
    const user = who.rows[0]?.user ?? "?";
    if (!who.rows[0]?.exists)
      return [fail(check, `connected as ${user}; schema ${schema} does not exist`, "run etl migrate")];
    const usage = await client.query<{ usage: boolean; create: boolean }>(
      "select has_schema_privilege($1, 'USAGE') as usage, has_schema_privilege($1, 'CREATE') as create",
      [schema],
    );
    const results: DoctorCheck[] = [ok("warehouse connection", `connected as ${user}`)];
    if (!usage.rows[0]?.usage || !usage.rows[0]?.create)
      results.push(
        fail(
          `grants on schema ${schema}`,
          `${user} lacks ${[!usage.rows[0]?.usage && "USAGE", !usage.rows[0]?.create && "CREATE"].filter(Boolean).join(" and ")}`,
          `grant usage, create on schema ${quoteIdent(schema)} to ${quoteIdent(user)}`,
        ),
      );
    else results.push(ok(`grants on schema ${schema}`, `${user} has USAGE and CREATE`));
    const tables = await client.query<Record<string, string | boolean>>(
      `select c.relname as name, ${PRIVILEGES.map((p) => `has_table_privilege(c.oid, '${p}') as ${p.toLowerCase()}`).join(", ")}
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'p') order by 1`,
      [schema],
    );
    const present = new Set(tables.rows.map((r) => String(r.name)));
    const missing = STAR_TABLE_NAMES.filter((t) => !present.has(t));
    const lacking = tables.rows
      .map((r) => ({ name: String(r.name), lacks: PRIVILEGES.filter((p) => r[p.toLowerCase()] !== true) }))
      .filter((t) => t.lacks.length > 0);
    if (missing.length > 0)
      results.push(fail(`tables in ${schema}`, `missing: ${missing.join(", ")}`, "run etl migrate"));
    if (lacking.length > 0)
      results.push(
        fail(
          `grants on tables in ${schema}`,
          lacking.map((t) => `${t.name} lacks ${t.lacks.join(", ")}`).join("; "),
          `grant select, insert, update, delete on all tables in schema ${quoteIdent(schema)} to ${quoteIdent(user)}`,
        ),
      );
    if (missing.length === 0 && lacking.length === 0)
      results.push(
        ok(`grants on tables in ${schema}`, `${present.size} tables, all read and written by ${user}`),
      );
    return results;
  } catch (error) {
    return [fail(check, messageOf(error), "check the warehouse user's grants")];
  } finally {
    await client.end();
  }
}
