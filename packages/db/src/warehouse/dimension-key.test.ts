import { describe, expect, it } from "vitest";
import { dimensionKeySql, REFERENCING_KEYS_SQL } from "./dimension-key";
import { tablePlan } from "./statements";

describe("dimensionKeySql", () => {
  it("drops the referencing foreign keys, then the key; adds the key, then each foreign key as the catalog had it", () => {
    const plan = tablePlan("dim_transaction", "ware_house");
    const sql = dimensionKeySql(plan, [
      {
        schema: "ware_house",
        table: "fact_payment",
        name: "fact_payment_transaction_id_fkey",
        definition:
          'FOREIGN KEY (transaction_id) REFERENCES "ware_house".dim_transaction(transaction_id) NOT ENFORCED',
      },
    ]);

    expect(sql).toEqual({
      before: [
        'alter table "ware_house"."fact_payment" drop constraint "fact_payment_transaction_id_fkey"',
        'alter table "ware_house"."dim_transaction" drop constraint "dim_transaction_pkey"',
      ],
      after: [
        'alter table "ware_house"."dim_transaction" add constraint "dim_transaction_pkey" primary key ("transaction_id")',
        'alter table "ware_house"."fact_payment" add constraint "fact_payment_transaction_id_fkey" ' +
          'FOREIGN KEY (transaction_id) REFERENCES "ware_house".dim_transaction(transaction_id) NOT ENFORCED',
      ],
    });
  });

  it("only moves the key when nothing references the dimension (foreign keys mode none)", () => {
    expect(dimensionKeySql(tablePlan("dim_staff", "warehouse"), [])).toEqual({
      before: ['alter table "warehouse"."dim_staff" drop constraint "dim_staff_pkey"'],
      after: ['alter table "warehouse"."dim_staff" add constraint "dim_staff_pkey" primary key ("staff_id")'],
    });
  });

  it("gives nothing to run when a referencing key has a name the quoting helper refuses", () => {
    const odd = {
      schema: "warehouse",
      table: "fact_payment",
      name: "by-hand",
      definition: "FOREIGN KEY (x) REFERENCES y(x)",
    };
    expect(dimensionKeySql(tablePlan("dim_transaction", "warehouse"), [odd])).toBeUndefined();
  });

  it("finds the referencing keys by the dimension's quoted name, a parameter", () => {
    expect(REFERENCING_KEYS_SQL).toContain("c.confrelid = to_regclass($1)");
    expect(REFERENCING_KEYS_SQL).toContain("c.contype = 'f'");
  });
});
