import pg from "pg";
import type { BusinessAnswer } from "./summary";

/**
 * Deletes one payment from the demo's totesys (a row nothing references, so the source's foreign
 * keys allow it): the next cycle finds it gone and the warehouse gets its deletion version.
 * Resolves the payment's id.
 */
export async function deleteDemoPayment(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ payment_id: number }>(
      "delete from payment where payment_id = (select min(payment_id) from payment) returning payment_id",
    );
    const id = rows[0]?.payment_id;
    if (id === undefined) throw new Error("the demo's totesys has no payment to delete");
    return id;
  } finally {
    await client.end();
  }
}

/** The deleted payment's history in the warehouse: its versions, the last one its deletion. */
export async function deletionAnswer(warehouse: pg.ClientBase, paymentId: number): Promise<BusinessAnswer> {
  const { rows } = await warehouse.query<{
    version: string;
    amount: string;
    deleted: boolean;
    at: string | null;
  }>(
    `select last_updated_date::text || ' ' || last_updated_time::text as version, payment_amount::text as amount,
            is_deleted as deleted, deleted_at::text as at
       from warehouse.fact_payment where payment_id = $1 order by last_updated_date, last_updated_time`,
    [paymentId],
  );
  return {
    question: `Payment ${paymentId}, deleted at the source: its full history (docs/deletes.md)`,
    columns: ["version", "payment_amount", "is_deleted", "deleted_at"],
    rows: rows.map((r) => [r.version, r.amount, String(r.deleted), r.at ?? ""]),
  };
}
