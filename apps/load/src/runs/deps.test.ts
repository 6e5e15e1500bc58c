import { describe, expect, it } from "vitest";
import { createLoadDeps } from "./deps";

const BASE = {
  AUDIT_TABLE: "etl-audit",
  FAILURE_TABLE: "etl-failures",
  STATE_TABLE: "etl-state",
  PROCESSED_BUCKET: "etl-processed",
};

describe("createLoadDeps", () => {
  it("tracks Redshift statements and builds the completion use case for the redshift target", () => {
    const app = createLoadDeps({
      ...BASE,
      WAREHOUSE_TARGET: "redshift",
      REDSHIFT_WORKGROUP: "etl",
      REDSHIFT_DATABASE: "dev",
      REDSHIFT_COPY_ROLE_ARN: "arn:aws:iam::123456789012:role/etl-copy",
      WAREHOUSE_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:wh",
      STUCK_STATEMENT_MINUTES: "7",
    });

    expect(app.load.warehouse.target).toBe("redshift");
    expect(app.load.statements).toBeDefined();
    expect(app.completion?.statements).toBe(app.load.statements);
    expect(app.completion?.stuckAfterMs).toBe(7 * 60_000);
  });

  it("has no completion use case for the postgres target: its loads finish inside the call", () => {
    const app = createLoadDeps({ ...BASE, WAREHOUSE_URL: "postgres://localhost:5432/warehouse" });

    expect(app.load.warehouse.target).toBe("postgres");
    expect(app.load.statements).toBeUndefined();
    expect(app.completion).toBeUndefined();
  });
});
