import { DataError, isRetryable, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { LoadDataError, LoadTransientError, loadErrorContext, toLoadError } from "./errors";

const pgError = (code: string, message: string, extra: Record<string, string> = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe("toLoadError", () => {
  it.each([
    ["22P02", LoadDataError, false],
    ["23502", LoadDataError, false],
    ["23505", LoadDataError, false],
    ["40001", LoadTransientError, true],
    ["40P01", LoadTransientError, true],
    ["55P03", LoadTransientError, true],
    ["57P01", LoadTransientError, true],
    ["08006", LoadTransientError, true],
    ["42P01", LoadTransientError, true],
    ["ECONNRESET", LoadTransientError, true],
  ])("maps SQLSTATE %s to %o (retryable %s)", (code, type, retryable) => {
    const error = toLoadError(pgError(code, "boom"), { table: "dim_date", sql: "select 1" });

    expect(error).toBeInstanceOf(type);
    expect(isRetryable(error)).toBe(retryable);
    expect(loadErrorContext(error)).toEqual({ table: "dim_date", sql: "select 1" });
  });

  it("names the table, the file and PostgreSQL's COPY context in the message", () => {
    const cause = pgError("22P02", 'invalid input syntax for type integer: "x"', {
      where: 'COPY stg_dim_date, line 3, column year: "x"',
    });

    const error = toLoadError(cause, { table: "dim_date", key: "star/dim_date/a.parquet" });

    expect((error as Error).message).toBe(
      'dim_date star/dim_date/a.parquet: invalid input syntax for type integer: "x" (COPY stg_dim_date, line 3, column year: "x")',
    );
  });

  it("keeps the retry verdict of an EtlError and adds the context", () => {
    const data = toLoadError(new DataError("bad footer"), { key: "k" });
    const transient = toLoadError(new TransientError("throttled"), { key: "k" });

    expect(data).toBeInstanceOf(LoadDataError);
    expect(transient).toBeInstanceOf(LoadTransientError);
    expect((data as Error).message).toBe("k: bad footer");
  });

  it("returns a load error unchanged", () => {
    const error = new LoadDataError("x", { table: "t" });

    expect(toLoadError(error, { table: "other" })).toBe(error);
  });
});
