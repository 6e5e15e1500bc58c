/**
 * Builders of parsed totesys rows for tests: realistic defaults (the shapes of the real data),
 * any column overridden. Each returns a fresh object.
 *
 * @example
 * const order = makeSalesOrder({ sales_order_id: 7, unit_price: "3.5" });
 */
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
  Staff,
  Transaction,
} from "../source";

const CREATED = "2022-11-03 14:20:49.962000";

export function makeAddress(overrides: Partial<Address> = {}): Address {
  return {
    address_id: 1,
    address_line_1: "6826 Herzog Via",
    address_line_2: null,
    district: "Avon",
    city: "New Patienceburgh",
    postal_code: "28441",
    country: "Turkey",
    phone: "1803 637401",
    created_at: CREATED,
    last_updated: CREATED,
    ...overrides,
  };
}

export function makeCounterparty(overrides: Partial<Counterparty> = {}): Counterparty {
  return {
    counterparty_id: 1,
    counterparty_legal_name: "Fahey and Sons",
    legal_address_id: 1,
    commercial_contact: "Micheal Toy",
    delivery_contact: "Mrs. Lucy Runolfsdottir",
    created_at: CREATED,
    last_updated: CREATED,
    ...overrides,
  };
}

export function makeCurrency(overrides: Partial<Currency> = {}): Currency {
  return { currency_id: 1, currency_code: "GBP", created_at: CREATED, last_updated: CREATED, ...overrides };
}

export function makeDepartment(overrides: Partial<Department> = {}): Department {
  return {
    department_id: 1,
    department_name: "Sales",
    location: "Manchester",
    manager: "Richard Roma",
    created_at: CREATED,
    last_updated: CREATED,
    ...overrides,
  };
}

export function makeDesign(overrides: Partial<Design> = {}): Design {
  return {
    design_id: 1,
    created_at: CREATED,
    design_name: "Wooden",
    file_location: "/usr",
    file_name: "wooden-20220717-npgz.json",
    last_updated: CREATED,
    ...overrides,
  };
}

export function makeStaff(overrides: Partial<Staff> = {}): Staff {
  return {
    staff_id: 1,
    first_name: "Jeremie",
    last_name: "Franey",
    department_id: 1,
    email_address: "jeremie.franey@terrifictotes.com",
    created_at: CREATED,
    last_updated: CREATED,
    ...overrides,
  };
}

export function makeSalesOrder(overrides: Partial<SalesOrder> = {}): SalesOrder {
  return {
    sales_order_id: 1,
    created_at: "2022-11-03 14:20:52.186000",
    last_updated: "2022-11-03 14:20:52.186000",
    design_id: 1,
    staff_id: 1,
    counterparty_id: 1,
    units_sold: 42972,
    unit_price: "3.94",
    currency_id: 1,
    agreed_delivery_date: "2022-11-07",
    agreed_payment_date: "2022-11-08",
    agreed_delivery_location_id: 1,
    ...overrides,
  };
}

export function makePurchaseOrder(overrides: Partial<PurchaseOrder> = {}): PurchaseOrder {
  return {
    purchase_order_id: 1,
    created_at: "2022-11-03 14:20:52.187000",
    last_updated: "2022-11-03 14:20:52.187000",
    staff_id: 1,
    counterparty_id: 1,
    item_code: "ZDOI5EA",
    item_quantity: 371,
    item_unit_price: "361.39",
    currency_id: 1,
    agreed_delivery_date: "2022-11-09",
    agreed_payment_date: "2022-11-07",
    agreed_delivery_location_id: 1,
    ...overrides,
  };
}

export function makePaymentType(overrides: Partial<PaymentType> = {}): PaymentType {
  return {
    payment_type_id: 1,
    payment_type_name: "SALES_RECEIPT",
    created_at: CREATED,
    last_updated: CREATED,
    ...overrides,
  };
}

export function makeTransaction(overrides: Partial<Transaction> = {}): Transaction {
  return {
    transaction_id: 1,
    transaction_type: "SALE",
    sales_order_id: 1,
    purchase_order_id: null,
    created_at: "2022-11-03 14:20:52.186000",
    last_updated: "2022-11-03 14:20:52.186000",
    ...overrides,
  };
}

export function makePayment(overrides: Partial<Payment> = {}): Payment {
  return {
    payment_id: 1,
    created_at: "2022-11-03 14:20:52.186000",
    last_updated: "2022-11-03 14:20:52.186000",
    transaction_id: 1,
    counterparty_id: 1,
    payment_amount: "169331.88",
    currency_id: 1,
    payment_type_id: 1,
    paid: false,
    payment_date: "2022-11-08",
    company_ac_number: 67305075,
    counterparty_ac_number: 31758074,
    ...overrides,
  };
}

/**
 * What `fn` throws, for assertions on an error's class, code and message; fails when nothing is
 * thrown.
 *
 * @example
 * expect(thrownBy(() => toDimCurrency(rows))).toMatchObject({ code: "UNKNOWN_CURRENCY" });
 */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, but nothing was thrown");
}
