import { describe, expect, it } from "vitest";
import { makeSalesOrder } from "../testing";
import { datesOf } from "./dates-of";
import { toDimDate } from "./to-dim-date";
import { toFactSalesOrder } from "./to-fact-sales-order";

describe("datesOf", () => {
  it("yields every date column of the fact rows, agreed dates included", () => {
    const facts = toFactSalesOrder([
      makeSalesOrder({ last_updated: "2022-11-04 10:00:00", agreed_delivery_date: "2024-07-19" }),
    ]);

    const dates = toDimDate(datesOf("fact_sales_order", facts)).map((d) => d.date_id);

    expect(dates).toEqual(["2022-11-03", "2022-11-04", "2022-11-08", "2024-07-19"]);
  });
});
