import type { StarName } from "./snapshot";

/** How a star's page reads its rollup: names of its measures and which cuts it charts. */
export interface StarPage {
  title: string;
  /** Said when the star holds no facts. */
  none: string;
  facts: string;
  quantity: string;
  money: string;
  cuts: { cut: string; title: string; header: string; top: number; by: "quantity" | "money" | "facts" }[];
}

export const PAGES: Record<StarName, StarPage> = {
  sales: {
    title: "Sales",
    none: "No sales orders are loaded yet: run `etl run` to load them.",
    facts: "orders",
    quantity: "units sold",
    money: "revenue",
    cuts: [
      { cut: "counterparty", title: "Top counterparties", header: "counterparty", top: 10, by: "money" },
      { cut: "design", title: "Top designs", header: "design", top: 10, by: "money" },
      { cut: "location", title: "Delivery locations", header: "delivery location", top: 20, by: "quantity" },
      { cut: "staff", title: "Staff", header: "staff", top: 25, by: "quantity" },
    ],
  },
  purchases: {
    title: "Purchases",
    none: "No purchase orders are loaded: the purchasing star is empty.",
    facts: "purchase orders",
    quantity: "items",
    money: "spend",
    cuts: [
      { cut: "counterparty", title: "Top suppliers", header: "counterparty", top: 10, by: "money" },
      { cut: "item", title: "Top items", header: "item code", top: 10, by: "money" },
      { cut: "location", title: "Delivery locations", header: "delivery location", top: 20, by: "quantity" },
    ],
  },
  payments: {
    title: "Payments",
    none: "No payments are loaded: the payments star is empty.",
    facts: "payments",
    quantity: "payments",
    money: "amount",
    cuts: [
      { cut: "type", title: "Payments by type", header: "payment type", top: 10, by: "facts" },
      { cut: "paid", title: "Paid and not paid", header: "status", top: 10, by: "facts" },
      {
        cut: "counterparty",
        title: "Top counterparties by payments",
        header: "counterparty",
        top: 10,
        by: "money",
      },
    ],
  },
};
