import { describe, expect, it } from "vitest";
import { WarehouseUnavailableError } from "./errors";
import { createPostgresReader, redactedUrl, toUnavailable } from "./warehouse-reader";

describe("toUnavailable", () => {
  it.each([
    [{ code: "42P01", message: 'relation "x" does not exist' }, "missing"],
    [{ code: "3F000", message: 'schema "etl" does not exist' }, "missing"],
    [{ code: "57014", message: "canceling statement due to statement timeout" }, "failed"],
    [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:1" }, "unreachable"],
    [{ code: "", message: "Connection terminated unexpectedly" }, "unreachable"],
    [{ code: "42601", message: "syntax error" }, "failed"],
  ])("%j is %s", (fields, kind) => {
    const error = Object.assign(new Error(fields.message), { code: fields.code });

    expect(toUnavailable(error).kind).toBe(kind);
  });

  it("keeps an error that is already one, and reads a thrown string", () => {
    const known = new WarehouseUnavailableError("missing", "m");

    expect(toUnavailable(known)).toBe(known);
    expect(toUnavailable("odd").message).toBe("the warehouse refused a query: odd");
  });
});

describe("the reader's name", () => {
  it("never carries the password", async () => {
    const fromUrl = createPostgresReader({ url: "postgres://u:secret@db.example:5432/wh" });
    const fromSecret = createPostgresReader({
      connection: { user: "u", password: "secret", host: "h", port: 5439, database: "d" },
    });
    const bare = createPostgresReader({ connection: {} });

    expect([fromUrl.name, fromSecret.name, bare.name]).toEqual([
      "postgres://u@db.example:5432/wh",
      "postgres://u@h:5439/d",
      "postgres://@:5432/",
    ]);
    expect(redactedUrl("not a url")).toBe("the warehouse");
    expect(redactedUrl("postgres://db.example/wh")).toBe("postgres://db.example/wh");
    for (const r of [fromUrl, fromSecret, bare]) await r.close();
  });
});
