import type { Address } from "../source";
import type { DimLocation } from "../star";
import { newestByKey, sourceUpdatedAt } from "./values";

/**
 * `dim_location` from `address` rows: the newest version of each address, `address_id` renamed
 * to `location_id`; NULL address lines and districts stay NULL; `source_updated_at` is its
 * `last_updated`.
 */
export function toDimLocation(addresses: Iterable<Address>): DimLocation[] {
  return newestByKey(addresses, (a) => a.address_id, { table: "address", key: "address_id" }).map((a) => ({
    location_id: a.address_id,
    address_line_1: a.address_line_1,
    address_line_2: a.address_line_2,
    district: a.district,
    city: a.city,
    postal_code: a.postal_code,
    country: a.country,
    phone: a.phone,
    source_updated_at: sourceUpdatedAt(() => `address ${a.address_id}`, a.last_updated),
  }));
}
