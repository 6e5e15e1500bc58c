import { DataError } from "../errors";
import type { Address, Counterparty } from "../source";
import type { DimCounterparty } from "../star";
import { listIds, newestByKey, sourceUpdatedAt } from "./values";

/**
 * `dim_counterparty` from `counterparty` joined to its legal `address` (newest version of each),
 * the address fields prefixed `counterparty_legal_` and `phone` named
 * `counterparty_legal_phone_number`. A changed address reaches every counterparty that uses it,
 * so pass all the addresses the counterparties refer to. A counterparty whose legal address is
 * missing is a data error naming the counterparty and address ids. `source_updated_at` is the
 * newer of the counterparty's and its legal address's `last_updated`.
 */
export function toDimCounterparty(
  counterparties: Iterable<Counterparty>,
  addresses: Iterable<Address>,
): DimCounterparty[] {
  const byId = new Map(
    newestByKey(addresses, (a) => a.address_id, { table: "address", key: "address_id" }).map((a) => [
      a.address_id,
      a,
    ]),
  );
  const newest = newestByKey(counterparties, (c) => c.counterparty_id, {
    table: "counterparty",
    key: "counterparty_id",
  });
  const rows: DimCounterparty[] = [];
  const missing: string[] = [];
  for (const c of newest) {
    const address = byId.get(c.legal_address_id);
    if (address === undefined) {
      missing.push(`counterparty_id ${c.counterparty_id} (legal_address_id ${c.legal_address_id})`);
      continue;
    }
    rows.push({
      counterparty_id: c.counterparty_id,
      counterparty_legal_name: c.counterparty_legal_name,
      counterparty_legal_address_line_1: address.address_line_1,
      counterparty_legal_address_line_2: address.address_line_2,
      counterparty_legal_district: address.district,
      counterparty_legal_city: address.city,
      counterparty_legal_postal_code: address.postal_code,
      counterparty_legal_country: address.country,
      counterparty_legal_phone_number: address.phone,
      source_updated_at: sourceUpdatedAt(
        () => `counterparty ${c.counterparty_id}`,
        c.last_updated,
        address.last_updated,
      ),
    });
  }
  if (missing.length > 0) {
    throw new DataError(`dim_counterparty: legal address not found for ${listIds(missing)}`, {
      code: "MISSING_REFERENCE",
    });
  }
  return rows;
}
