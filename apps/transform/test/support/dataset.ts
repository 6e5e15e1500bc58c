import type {
  Address,
  Counterparty,
  Currency,
  Department,
  Design,
  Payment,
  PaymentType,
  PurchaseOrder,
  SalesOrder,
  SourceTable,
  Staff,
  Transaction,
} from "@etl/schemas";
import {
  makeAddress,
  makeCounterparty,
  makeCurrency,
  makeDepartment,
  makeDesign,
  makePayment,
  makePaymentType,
  makePurchaseOrder,
  makeSalesOrder,
  makeStaff,
  makeTransaction,
} from "@etl/schemas/testing";

/** A consistent totesys snapshot: every reference a row makes exists. */
export interface Dataset {
  address: Address[];
  counterparty: Counterparty[];
  currency: Currency[];
  department: Department[];
  design: Design[];
  staff: Staff[];
  sales_order: SalesOrder[];
  purchase_order: PurchaseOrder[];
  payment_type: PaymentType[];
  transaction: Transaction[];
  payment: Payment[];
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `2023-MM-DD HH:MM:SS.fff000` for the i-th event: weekdays and hours vary, milliseconds kept. */
function stamp(i: number): string {
  const month = 1 + (i % 12);
  const day = 1 + ((i * 7) % 28);
  return `2023-${pad(month)}-${pad(day)} ${pad(8 + (i % 11))}:${pad((i * 13) % 60)}:${pad((i * 17) % 60)}.${pad((i * 37) % 1000, 3)}000`;
}

/**
 * A small deterministic dataset shaped like the real one: 3 currencies, 8 departments (with the
 * real `Leds` typo), 30 addresses (NULL second lines and districts), 20 counterparties over 14
 * legal addresses, 20 staff, `designs` designs, `orders` sales and purchase orders, a
 * transaction and a payment per order.
 */
export function makeDataset(options: { orders?: number; designs?: number } = {}): Dataset {
  const orders = options.orders ?? 40;
  const designs = options.designs ?? 12;
  const departments = [
    ["Sales", "Manchester"],
    ["Purchasing", "Manchester"],
    ["Production", "Leeds"],
    ["Dispatch", "Leds"],
    ["Finance", "Manchester"],
    ["Facilities", "Manchester"],
    ["Communications", "Leeds"],
    ["HR", "Leeds"],
  ] as const;
  const data: Dataset = {
    currency: ["GBP", "USD", "EUR"].map((code, i) =>
      makeCurrency({ currency_id: i + 1, currency_code: code, created_at: stamp(i), last_updated: stamp(i) }),
    ),
    department: departments.map(([name, location], i) =>
      makeDepartment({ department_id: i + 1, department_name: name, location, manager: `Manager ${i + 1}` }),
    ),
    address: Array.from({ length: 30 }, (_, i) =>
      makeAddress({
        address_id: i + 1,
        address_line_1: `${100 + i} High Street`,
        address_line_2: i % 3 === 0 ? `Unit ${i}` : null,
        district: i % 2 === 0 ? `District ${i}` : null,
        city: `City ${i % 7}`,
        postal_code: `P${pad(i, 4)}`,
        country: i % 4 === 0 ? "United Kingdom" : "France",
        phone: `0161 ${pad(i, 6)}`,
      }),
    ),
    counterparty: Array.from({ length: 20 }, (_, i) =>
      makeCounterparty({
        counterparty_id: i + 1,
        counterparty_legal_name: `Counterparty ${i + 1} Ltd`,
        legal_address_id: 1 + (i % 14),
      }),
    ),
    design: Array.from({ length: designs }, (_, i) =>
      makeDesign({ design_id: i + 1, design_name: `Design ${i + 1}`, file_name: `design-${i + 1}.json` }),
    ),
    staff: Array.from({ length: 20 }, (_, i) =>
      makeStaff({
        staff_id: i + 1,
        first_name: `First${i + 1}`,
        last_name: `Last${i + 1}`,
        department_id: 1 + (i % 8),
        email_address: `first${i + 1}.last${i + 1}@terrifictotes.com`,
      }),
    ),
    payment_type: ["SALES_RECEIPT", "SALES_REFUND", "PURCHASE_PAYMENT", "PURCHASE_REFUND"].map((name, i) =>
      makePaymentType({ payment_type_id: i + 1, payment_type_name: name }),
    ),
    sales_order: [],
    purchase_order: [],
    transaction: [],
    payment: [],
  };
  for (let i = 1; i <= orders; i++) {
    const at = stamp(i);
    const agreed = `2024-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`;
    data.sales_order.push(
      makeSalesOrder({
        sales_order_id: i,
        created_at: at,
        last_updated: at,
        design_id: 1 + (i % designs),
        staff_id: 1 + (i % 20),
        counterparty_id: 1 + (i % 20),
        units_sold: 1000 + ((i * 7919) % 99000),
        unit_price: (2 + (i % 200) / 100).toFixed(2),
        currency_id: 1 + (i % 3),
        agreed_delivery_date: agreed,
        agreed_payment_date: `2025-${pad(1 + ((i + 5) % 12))}-${pad(1 + (i % 28))}`,
        agreed_delivery_location_id: 1 + (i % 30),
      }),
    );
    data.purchase_order.push(
      makePurchaseOrder({
        purchase_order_id: i,
        created_at: at,
        last_updated: at,
        staff_id: 1 + ((i + 3) % 20),
        counterparty_id: 1 + ((i + 5) % 20),
        item_code: `ITEM${pad(i % 1000, 3)}`,
        item_quantity: 1 + (i % 1000),
        item_unit_price: `${3 + (i % 997)}.${pad(i % 100)}`,
        currency_id: 1 + ((i + 1) % 3),
        agreed_delivery_date: agreed,
        agreed_payment_date: agreed,
        agreed_delivery_location_id: 1 + ((i + 11) % 30),
      }),
    );
    data.transaction.push(
      makeTransaction({
        transaction_id: 2 * i - 1,
        transaction_type: "SALE",
        sales_order_id: i,
        purchase_order_id: null,
        created_at: at,
        last_updated: at,
      }),
      makeTransaction({
        transaction_id: 2 * i,
        transaction_type: "PURCHASE",
        sales_order_id: null,
        purchase_order_id: i,
        created_at: at,
        last_updated: at,
      }),
    );
    data.payment.push(
      makePayment({
        payment_id: i,
        created_at: at,
        last_updated: at,
        transaction_id: 2 * i - 1,
        counterparty_id: 1 + (i % 20),
        payment_amount: `${1 + ((i * 104729) % 999_999)}.${pad(i % 100)}`,
        currency_id: 1 + (i % 3),
        payment_type_id: 1 + (i % 4),
        paid: i % 2 === 0,
        payment_date: `2024-${pad(1 + ((i + 2) % 12))}-${pad(1 + ((i * 3) % 28))}`,
      }),
    );
  }
  return data;
}

/** The dataset's tables in the shape `writeRawRun` takes. */
export function asRawTables(data: Partial<Dataset>): Partial<Record<SourceTable, readonly object[]>> {
  return data as Partial<Record<SourceTable, readonly object[]>>;
}
