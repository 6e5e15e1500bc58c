import { describe, expect, it } from "vitest";
import { DB_SECRET, POSTGRES, REDSHIFT, synth } from "./synth";

describe("function environments at synth", () => {
  it.each([
    [
      "the ingest's database secret is missing",
      { ...POSTGRES, dbSecretArn: undefined },
      /ingest: invalid environment: DB_SECRET_ARN/,
    ],
    [
      "a secret ARN is malformed",
      { ...POSTGRES, dbSecretArn: "etl/totesys" },
      /ingest: invalid environment: DB_SECRET_ARN: must be an ARN/,
    ],
    [
      "the PostgreSQL warehouse secret is missing",
      { ...POSTGRES, warehouseSecretArn: undefined },
      /load handler: invalid environment: WAREHOUSE_SECRET_ARN: the postgres target needs/,
    ],
    [
      "the Redshift database is missing",
      { ...REDSHIFT, redshiftDatabase: undefined },
      /load handler: invalid environment: WAREHOUSE_TARGET: .*REDSHIFT_DATABASE/,
    ],
    [
      "neither a workgroup nor a cluster is named",
      { ...REDSHIFT, redshiftWorkgroup: undefined },
      /REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID/,
    ],
    [
      "the COPY role ARN is malformed",
      { ...REDSHIFT, redshiftCopyRoleArn: "etl-copy" },
      /REDSHIFT_COPY_ROLE_ARN: must be an ARN/,
    ],
  ])("synth fails when %s, naming the variable", (_, settings, message) => {
    expect(() => synth(settings)).toThrow(message);
  });

  it("never sets a local-only variable on any function", () => {
    const s = synth({ ...REDSHIFT, dbSecretArn: DB_SECRET });
    const variables = [s.ingest, s.transform, s.load].flatMap((t) =>
      Object.values(t.findResources("AWS::Lambda::Function")).flatMap((fn) =>
        Object.keys(
          (fn as { Properties: { Environment?: { Variables?: object } } }).Properties.Environment
            ?.Variables ?? {},
        ),
      ),
    );

    expect(variables.length).toBeGreaterThan(30);
    expect(variables.filter((k) => /ENDPOINT|_URL$|ALERT_FILE/.test(k))).toEqual([]);
  });
});
