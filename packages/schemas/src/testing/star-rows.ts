import { datesOf } from "../formatters/dates-of";
import { toDimCounterparty } from "../formatters/to-dim-counterparty";
import { toDimCurrency } from "../formatters/to-dim-currency";
import { toDimDate } from "../formatters/to-dim-date";
import { toDimDesign } from "../formatters/to-dim-design";
import { toDimLocation } from "../formatters/to-dim-location";
import { toDimStaff } from "../formatters/to-dim-staff";
import { toFactSalesOrder } from "../formatters/to-fact-sales-order";
import type { Address, SalesOrder } from "../source";
import type { StarTable } from "../tables";
import {
  makeAddress,
  makeCounterparty,
  makeCurrency,
  makeDepartment,
  makeDesign,
  makeSalesOrder,
  makeStaff,
} from "./source-rows";

export type StarRows = Partial<Record<StarTable, readonly object[]>>;

/**
 * The star rows a transform makes of a small totesys: two addresses, one of everything else,
 * and two sales orders unless given; for load tests that need a processed run's content.
 */
export function makeStarRows(source: { addresses?: Address[]; salesOrders?: SalesOrder[] } = {}): StarRows {
  const addresses = source.addresses ?? [
    makeAddress({ address_id: 1 }),
    makeAddress({ address_id: 2, address_line_2: "Flat 2", city: "Leeds" }),
  ];
  const salesOrders = source.salesOrders ?? [
    makeSalesOrder({ sales_order_id: 1 }),
    makeSalesOrder({ sales_order_id: 2, unit_price: "2.5", agreed_delivery_location_id: 2 }),
  ];
  const facts = toFactSalesOrder(salesOrders);
  return {
    dim_date: toDimDate(datesOf("fact_sales_order", facts)),
    dim_location: toDimLocation(addresses),
    dim_currency: toDimCurrency([makeCurrency()]),
    dim_design: toDimDesign([makeDesign()]),
    dim_staff: toDimStaff([makeStaff()], [makeDepartment()]),
    dim_counterparty: toDimCounterparty([makeCounterparty({ legal_address_id: 1 })], addresses),
    fact_sales_order: facts,
  };
}
