import {
  type SourceRow,
  type StarRow,
  toDimCounterparty,
  toDimCurrency,
  toDimDesign,
  toDimLocation,
  toDimPaymentType,
  toDimStaff,
} from "@etl/schemas";
import { primaryKeyOf, type ReferenceChanges, type ReferenceState, type StateTable } from "./reference-state";

/** The dimensions built from the reference tables (`dim_date` and `dim_transaction` are not). */
export type ReferenceDimension =
  | "dim_location"
  | "dim_currency"
  | "dim_design"
  | "dim_staff"
  | "dim_counterparty"
  | "dim_payment_type";

export type ReferenceDimensions = { [D in ReferenceDimension]: StarRow<D>[] };

function changedIds<T extends StateTable>(table: T, changes: ReferenceChanges): Set<number> {
  const rows = (changes[table] ?? []) as readonly SourceRow<T>[];
  return new Set(rows.map((row) => primaryKeyOf(table, row)));
}

/** The current rows of `ids`, in key order. */
function current<T extends StateTable>(
  state: ReferenceState,
  table: T,
  ids: Iterable<number>,
): SourceRow<T>[] {
  const rows: SourceRow<T>[] = [];
  const map = state[table] as ReadonlyMap<number, SourceRow<T>>;
  for (const id of [...ids].sort((a, b) => a - b)) {
    const row = map.get(id);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

/**
 * The dimension rows a run affects, from the state after the run (so a row that arrives older
 * than the one already kept does not roll a dimension back):
 *
 * - one row per changed address, currency, design and payment type;
 * - `dim_staff` for changed staff and for every member of a changed department;
 * - `dim_counterparty` for changed counterparties and for every counterparty whose legal address
 *   changed, joined to the addresses in the state.
 *
 * Pure. Rows are in key order. A missing department or address, or an unknown currency code, is
 * the formatters' `DataError` naming the ids.
 */
export function buildReferenceDimensions(
  changes: ReferenceChanges,
  state: ReferenceState,
): ReferenceDimensions {
  const addresses = changedIds("address", changes);
  const departments = changedIds("department", changes);

  const counterparties = changedIds("counterparty", changes);
  for (const [id, counterparty] of state.counterparty) {
    if (addresses.has(counterparty.legal_address_id)) counterparties.add(id);
  }
  const staff = changedIds("staff", changes);
  for (const [id, member] of state.staff) {
    if (departments.has(member.department_id)) staff.add(id);
  }

  return {
    dim_location: toDimLocation(current(state, "address", addresses)),
    dim_currency: toDimCurrency(current(state, "currency", changedIds("currency", changes))),
    dim_design: toDimDesign(current(state, "design", changedIds("design", changes))),
    dim_staff: toDimStaff(current(state, "staff", staff), state.department.values()),
    dim_counterparty: toDimCounterparty(
      current(state, "counterparty", counterparties),
      state.address.values(),
    ),
    dim_payment_type: toDimPaymentType(current(state, "payment_type", changedIds("payment_type", changes))),
  };
}
