import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createFileRulesRepository, FileRuleSchema } from "@etl/db/rules";
import { localS3Client } from "@etl/local-cloud";
import pg from "pg";
import type { LocalEnvironment } from "./environment";

/**
 * The demo's landed file: a daily exchange-rate feed that a rule loads into the warehouse
 * (`landed.exchange_rates`, merged on the currency code) next to the star schema.
 */
export const DEMO_RULE = FileRuleSchema.parse({
  name: "exchange_rates",
  keyGlob: "landing/rates/*.csv",
  format: "csv",
  headerLines: 1,
  trailer: { start: 8, end: 13 },
  target: { schema: "landed", table: "exchange_rates" },
  columns: [{ name: "currency_code" }, { name: "rate_to_gbp" }, { name: "as_of" }],
  writeMode: "merge",
  mergeKeys: ["currency_code"],
  notify: "failure",
});

export async function prepareDemoLanding(local: LocalEnvironment): Promise<void> {
  const warehouse = new pg.Client({ connectionString: local.env.WAREHOUSE_URL });
  await warehouse.connect();
  try {
    await warehouse.query(`create schema if not exists landed`);
    await warehouse.query(
      `create table if not exists landed.exchange_rates (currency_code varchar(3) primary key, rate_to_gbp numeric(12,6) not null, as_of date not null)`,
    );
    const rules = createFileRulesRepository(warehouse);
    await rules.ensureTable();
    await rules.upsert(DEMO_RULE);
  } finally {
    await warehouse.end();
  }
}

/** Drops one day's rate file into the landing bucket, as a partner's upload would. */
export async function landRates(
  local: LocalEnvironment,
  day: string,
  rates: Record<string, string>,
): Promise<string> {
  const lines = Object.entries(rates).map(([code, rate]) => `${code},${rate},${day}`);
  const body = [
    "currency_code,rate_to_gbp,as_of",
    ...lines,
    `TRAILER${String(lines.length).padStart(6, "0")}`,
  ].join("\n");
  const key = `landing/rates/${day}.csv`;
  const s3 = localS3Client(local.endpoints);
  await s3.send(new PutObjectCommand({ Bucket: local.env.LANDING_BUCKET, Key: key, Body: `${body}\n` }));
  s3.destroy();
  return key;
}
