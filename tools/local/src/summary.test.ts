import { STAR_TABLE_NAMES } from "@etl/schemas";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { businessQuestions, formatTable, summariseWarehouse } from "./summary";

/** A client that answers each query by its text and records what was sent. */
function fakeClient(answer: (text: string) => { rows: unknown[]; fields?: { name: string }[] }) {
  const sent: { text: string; rowMode?: string }[] = [];
  const client = {
    query: async (q: string | { text: string; rowMode?: string }) => {
      const query = typeof q === "string" ? { text: q } : q;
      sent.push(query);
      return { fields: [], ...answer(query.text) };
    },
  };
  return { client: client as unknown as pg.ClientBase, sent };
}

describe("formatTable", () => {
  it("right-aligns numeric columns, left-aligns text, shows null as blank", () => {
    expect(
      formatTable(
        ["name", "units"],
        [
          ["Alpha", 5],
          ["Be", 120],
          [null, null],
        ],
      ),
    ).toEqual(["name   units", "-----  -----", "Alpha      5", "Be       120", ""]);
  });

  it("leaves the cells a short row does not have blank", () => {
    expect(formatTable(["name", "n"], [["a"], ["bb", 2]])).toEqual(["name  n", "----  -", "a", "bb    2"]);
  });

  it("treats a column with any non-number as text", () => {
    expect(formatTable(["v"], [["10"], ["n/a"]])).toEqual(["v", "---", "10", "n/a"]);
  });
});

describe("summariseWarehouse", () => {
  it("counts every star table, reads the load ledger and asks each business question in array mode", async () => {
    const { client, sent } = fakeClient((text) => {
      if (text.includes("count(*) as n from")) return { rows: [{ n: "7" }] };
      if (text.includes('"etl"."loaded_files"')) return { rows: [{ loaded: "2", files: "11", rows: "340" }] };
      return { rows: [["2024-01", 3]], fields: [{ name: "month" }, { name: "orders" }] };
    });

    const summary = await summariseWarehouse(client, "wh");

    expect(Object.keys(summary.tables)).toEqual([...STAR_TABLE_NAMES]);
    expect(Object.values(summary.tables).every((n) => n === 7)).toBe(true);
    expect(sent[0]?.text).toBe(`select count(*) as n from "wh"."${STAR_TABLE_NAMES[0]}"`);
    expect(summary.runs).toEqual({ loaded: 2, files: 11, rows: 340 });
    const questions = businessQuestions("wh");
    expect(summary.answers).toEqual(
      questions.map((q) => ({ question: q.question, columns: ["month", "orders"], rows: [["2024-01", 3]] })),
    );
    expect(sent.slice(-questions.length)).toEqual(questions.map((q) => ({ text: q.sql, rowMode: "array" })));
  });

  it("reads an empty ledger and empty counts as zero", async () => {
    const { client } = fakeClient(() => ({ rows: [] }));

    const summary = await summariseWarehouse(client);

    expect(summary.runs).toEqual({ loaded: 0, files: 0, rows: 0 });
    expect(summary.tables[STAR_TABLE_NAMES[0] ?? ""]).toBe(0);
  });
});

describe("businessQuestions", () => {
  it("reads only the newest, undeleted version of each sales order from the schema given", () => {
    for (const q of businessQuestions("wh")) {
      expect(q.sql).toContain('from "wh"."fact_sales_order"');
      expect(q.sql).toContain("where not is_deleted");
    }
  });
});
