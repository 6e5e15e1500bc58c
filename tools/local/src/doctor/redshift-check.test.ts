import { STAR_COLUMNS, STAR_TABLE_NAMES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import type { DoctorClients } from "./doctor-check";
import { checkRedshift, sampleRow } from "./redshift-check";

type Answer = (name: string, input: Record<string, unknown>) => unknown;

/** Redshift Data API and S3 clients answered by `answer`, every command recorded in `sent`. */
function fakeClients(answer: Answer) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return answer(command.constructor.name, command.input);
    },
  };
  return { clients: { redshift: client, s3: client } as unknown as DoctorClients, sent };
}

const ENV = { REDSHIFT_WORKGROUP: "wg", REDSHIFT_DATABASE: "dev", REDSHIFT_SECRET_ARN: "arn:secret" };

/** The Data API of a warehouse where `select current_user` runs as etl_load. */
function dataApi(name: string, input: Record<string, unknown>, batch: (id: string) => unknown): unknown {
  if (name === "ExecuteStatementCommand") return { Id: "who" };
  if (name === "BatchExecuteStatementCommand") return { Id: "copy" };
  if (name === "DescribeStatementCommand")
    return input.Id === "who" ? { Status: "FINISHED" } : batch(String(input.Id));
  if (name === "GetStatementResultCommand" && input.Id === "who")
    return { ColumnMetadata: [{ name: "current_user" }], Records: [[{ stringValue: "etl_load" }]] };
  return {};
}

describe("checkRedshift", () => {
  it("fails without a workgroup or cluster and a database", async () => {
    const { clients, sent } = fakeClients(() => ({}));

    expect(await checkRedshift({ REDSHIFT_WORKGROUP: "wg" }, clients, "t", 1000)).toEqual([
      expect.objectContaining({
        check: "warehouse (Redshift)",
        status: "fail",
        detail: "REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID, and REDSHIFT_DATABASE, must be set",
      }),
    ]);
    expect(sent).toEqual([]);
  });

  it("stops at the Data API when its statement fails", async () => {
    const { clients } = fakeClients((name) =>
      name === "ExecuteStatementCommand" ? { Id: "who" } : { Status: "FAILED", Error: "permission denied" },
    );

    expect(await checkRedshift(ENV, clients, "t", 1000)).toEqual([
      expect.objectContaining({
        check: "Redshift Data API",
        status: "fail",
        detail: "FAILED: permission denied",
      }),
    ]);
  });

  it("says who it runs as, and that the COPY check needs its role and bucket", async () => {
    const { clients, sent } = fakeClients((name, input) => dataApi(name, input, () => ({})));

    const results = await checkRedshift({ ...ENV, REDSHIFT_CLUSTER_ID: undefined }, clients, "t1", 1000);

    expect(results).toEqual([
      { check: "Redshift Data API", status: "ok", detail: "runs as etl_load" },
      expect.objectContaining({
        check: "Redshift COPY",
        status: "fail",
        detail: "REDSHIFT_COPY_ROLE_ARN and PROCESSED_BUCKET must be set",
      }),
    ]);
    expect(sent[0]).toMatchObject({
      name: "ExecuteStatementCommand",
      input: {
        Sql: "select current_user",
        StatementName: "etl-doctor-t1",
        WorkgroupName: "wg",
        SecretArn: "arn:secret",
      },
    });
  });

  it("per star table: a COPY that fails, a value read back different, an upload refused; the file is always deleted", async () => {
    const [failing, differing, refused] = STAR_TABLE_NAMES;
    let table = "";
    const { clients, sent } = fakeClients((name, input) => {
      if (name === "PutObjectCommand") {
        table = String(input.Key).split("/")[2]?.replace(".parquet", "") ?? "";
        if (table === refused) throw Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
        return {};
      }
      if (name === "GetStatementResultCommand" && input.Id === "copy:3") {
        const columns = STAR_COLUMNS[table as (typeof STAR_TABLE_NAMES)[number]];
        const row = sampleRow(table as (typeof STAR_TABLE_NAMES)[number]);
        return {
          ColumnMetadata: columns.map((c) => ({ name: c.name })),
          Records: [
            columns.map((c, i) => {
              const v = table === differing && i === 0 ? "changed" : row[c.name];
              return typeof v === "number"
                ? { longValue: v }
                : typeof v === "boolean"
                  ? { booleanValue: v }
                  : { stringValue: v };
            }),
          ],
        };
      }
      return dataApi(name, input, () =>
        table === failing
          ? { Status: "FAILED", Error: "S3ServiceException: Access denied" }
          : { Status: "FINISHED" },
      );
    });
    const env = {
      ...ENV,
      REDSHIFT_COPY_ROLE_ARN: "arn:aws:iam::123456789012:role/etl-copy",
      PROCESSED_BUCKET: "processed",
    };

    const results = await checkRedshift(env, clients, "t2", 1000);

    const byCheck = Object.fromEntries(results.map((r) => [r.check, r]));
    expect(byCheck[`Redshift COPY ${failing}`]).toMatchObject({
      status: "fail",
      detail: "FAILED: S3ServiceException: Access denied",
    });
    const firstColumn = STAR_COLUMNS[differing as (typeof STAR_TABLE_NAMES)[number]][0]?.name ?? "";
    expect(byCheck[`Redshift COPY ${differing}`]?.detail).toMatch(
      new RegExp(`^${firstColumn} wrote .+ read "changed"$`),
    );
    expect(byCheck[`Redshift COPY ${refused}`]).toMatchObject({
      status: "fail",
      detail: "AccessDenied: Access Denied",
    });
    const passed = results.filter((r) => r.status === "ok" && r.check.startsWith("Redshift COPY "));
    expect(passed).toHaveLength(STAR_TABLE_NAMES.length - 3);
    expect(sent.filter((s) => s.name === "DeleteObjectCommand")).toHaveLength(STAR_TABLE_NAMES.length);
    expect(sent.find((s) => s.name === "BatchExecuteStatementCommand")?.input).toMatchObject({
      WorkgroupName: "wg",
      SecretArn: "arn:secret",
      Database: "dev",
      StatementName: "etl-doctor-t2",
    });
  });

  it("on a cluster without a secret: an unnamed user, a COPY failing without a reason, nulls and doubles read back", async () => {
    const [silent, nulled] = STAR_TABLE_NAMES;
    let table = "";
    const { clients, sent } = fakeClients((name, input) => {
      if (name === "PutObjectCommand") table = String(input.Key).split("/")[2]?.replace(".parquet", "") ?? "";
      if (name === "GetStatementResultCommand" && input.Id === "who") return { Records: [] };
      if (name === "GetStatementResultCommand") {
        const columns = STAR_COLUMNS[table as (typeof STAR_TABLE_NAMES)[number]];
        const row = sampleRow(table as (typeof STAR_TABLE_NAMES)[number]);
        return {
          ColumnMetadata: columns.map((c) => ({ name: c.name })),
          Records: [
            columns.map((c) => {
              const v = row[c.name];
              if (table === nulled) return { isNull: true };
              return typeof v === "number"
                ? { doubleValue: v }
                : typeof v === "boolean"
                  ? { booleanValue: v }
                  : { stringValue: v };
            }),
          ],
        };
      }
      return dataApi(name, input, () => (table === silent ? { Status: "ABORTED" } : { Status: "FINISHED" }));
    });
    const env = {
      REDSHIFT_CLUSTER_ID: "cluster-1",
      REDSHIFT_DATABASE: "dev",
      REDSHIFT_COPY_ROLE_ARN: "arn:aws:iam::123456789012:role/etl-copy",
      PROCESSED_BUCKET: "processed",
    };

    const results = await checkRedshift(env, clients, "t3", 1000);

    const byCheck = Object.fromEntries(results.map((r) => [r.check, r]));
    expect(byCheck["Redshift Data API"]).toEqual({
      check: "Redshift Data API",
      status: "ok",
      detail: "runs as ?",
    });
    expect(byCheck[`Redshift COPY ${silent}`]).toMatchObject({
      status: "fail",
      detail: "ABORTED: no error given",
    });
    const firstColumn = STAR_COLUMNS[nulled as (typeof STAR_TABLE_NAMES)[number]][0]?.name ?? "";
    expect(byCheck[`Redshift COPY ${nulled}`]?.detail).toMatch(
      new RegExp(`^${firstColumn} wrote .+ read null;`),
    );
    // Numbers read back as doubles are equal: the other tables pass.
    expect(results.filter((r) => r.status === "ok")).toHaveLength(STAR_TABLE_NAMES.length - 2 + 1);
    const batch = sent.find((s) => s.name === "BatchExecuteStatementCommand")?.input ?? {};
    expect(batch).toMatchObject({ ClusterIdentifier: "cluster-1", Database: "dev" });
    expect(batch).not.toHaveProperty("WorkgroupName");
    expect(batch).not.toHaveProperty("SecretArn");
  });

  it("says the Data API failed without a reason when it gives none", async () => {
    const { clients } = fakeClients((name) =>
      name === "ExecuteStatementCommand" ? { Id: "who" } : { Status: "FAILED" },
    );

    expect(await checkRedshift(ENV, clients, "t", 1000)).toEqual([
      expect.objectContaining({
        check: "Redshift Data API",
        status: "fail",
        detail: "FAILED: no error given",
      }),
    ]);
  });
});
