import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { migratePostgresWarehouse } from "@etl/db/warehouse";
import { cloud, freshDatabase } from "@etl/local-cloud/testing";
import { mockClient } from "aws-sdk-client-mock";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { dashboard } from "../../src/cli/commands/dashboard";
import { captureOutput, etl } from "./run-etl";

const dir = mkdtempSync(join(tmpdir(), "etl-dashboard-"));
const saved = { ...process.env };

beforeAll(async () => {
  const c = cloud();
  const warehouseUrl = await freshDatabase("dashboard_cmd");
  const client = new pg.Client({ connectionString: warehouseUrl });
  await client.connect();
  await migratePostgresWarehouse(client);
  await client.end();
  Object.assign(process.env, {
    DATABASE_URL: c.databaseUrl,
    WAREHOUSE_URL: warehouseUrl,
    S3_ENDPOINT: c.s3Endpoint,
    DYNAMODB_ENDPOINT: c.dynamodbEndpoint,
    ETL_DATA_DIR: dir,
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe("etl report", () => {
  it("writes every page into one file, saying what is not loaded", async () => {
    const file = join(dir, "report.html");

    const result = await etl("report", "--out", file);

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^report written: .+report\.html \(\d+ KiB, opens offline\)$/m);
    const html = readFileSync(file, "utf8");
    expect(html).toContain('id="sales"');
    expect(html).toContain('id="pipeline"');
    expect(html).toContain("No sales orders are loaded yet");
    expect(html).toContain("Chart.js v4");
  });

  it.each([
    [["report"], /give the file to write: --out report\.html/],
    [["report", "--out", "x.html", "--from", "May"], /ignored from="May": a day is written YYYY-MM-DD/],
  ])("refuses %j", async (argv, message) => {
    const result = await etl(...argv);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});

describe("etl dashboard", () => {
  it("off loopback, prints a URL with a token and refuses requests without it", async () => {
    const output = captureOutput();

    const running = dashboard.run({ values: { host: "0.0.0.0", port: "0" }, positionals: [] });
    let url = "";
    for (let i = 0; i < 600 && !url; i++) {
      url = /dashboard: (\S+)/.exec(output.text())?.[1] ?? "";
      if (!url) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const local = url.replace("0.0.0.0", "127.0.0.1");
    const withToken = await fetch(local);
    const without = await fetch(local.replace(/\?token=.*$/, ""));
    process.emit("SIGINT");
    const code = await running;

    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/sales\?token=[\w-]{43}$/);
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get("server-timing")).toMatch(/total;dur=/);
    expect(without.status).toBe(401);
    expect(code).toBe(0);
  });
});

describe("etl report --aws", () => {
  const AWS_NAMES = ["INGEST_BUCKET", "PROCESSED_BUCKET", "AUDIT_TABLE", "FAILURE_TABLE", "STATE_TABLE"];
  const without = (names: string[]) => {
    const kept = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    for (const n of names) delete process.env[n];
    return () => {
      for (const [n, v] of Object.entries(kept)) if (v !== undefined) process.env[n] = v;
    };
  };

  it("refuses without a deployed warehouse named, with exit 2", async () => {
    const restore = without([
      "WAREHOUSE_URL",
      "WAREHOUSE_SECRET_ARN",
      "REDSHIFT_WORKGROUP",
      "REDSHIFT_CLUSTER_ID",
      "REDSHIFT_DATABASE",
    ]);
    try {
      const result = await etl("report", "--aws", "--out", join(dir, "aws.html"));

      expect(result.code).toBe(2);
      expect(result.err).toMatch(/--aws needs the deployed warehouse: WAREHOUSE_SECRET_ARN or WAREHOUSE_URL/);
    } finally {
      restore();
    }
  });

  it("reads the warehouse at WAREHOUSE_URL and says which pipeline names are missing for the records", async () => {
    const restore = without(AWS_NAMES);
    try {
      const file = join(dir, "aws.html");

      const result = await etl("report", "--aws", "--out", file);

      expect(result.code).toBe(0);
      expect(result.err).toContain(
        "failure records not read: --aws needs INGEST_BUCKET, PROCESSED_BUCKET, AUDIT_TABLE, FAILURE_TABLE, STATE_TABLE in the environment",
      );
      expect(result.out).toMatch(/^report written: .+aws\.html/m);
      expect(readFileSync(file, "utf8")).toContain("No sales orders are loaded yet");
    } finally {
      restore();
    }
  });
});

describe("etl report --aws on Redshift", () => {
  const redshift = mockClient(RedshiftDataClient);
  afterAll(() => redshift.restore());

  it("reads the warehouse through the Data API on the workgroup, with the secret when one is named", async () => {
    const kept = { ...process.env };
    delete process.env.WAREHOUSE_URL;
    delete process.env.WAREHOUSE_SECRET_ARN;
    delete process.env.REDSHIFT_CLUSTER_ID;
    Object.assign(process.env, {
      REDSHIFT_WORKGROUP: "etl-wg",
      REDSHIFT_DATABASE: "dev",
      REDSHIFT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rs",
    });
    redshift.on(ExecuteStatementCommand).resolves({ Id: "q-1" });
    redshift.on(DescribeStatementCommand).resolves({ Status: "FINISHED", HasResultSet: true });
    redshift.on(GetStatementResultCommand).resolves({ ColumnMetadata: [], Records: [] });
    try {
      const file = join(dir, "redshift.html");

      const result = await etl("report", "--aws", "--out", file);

      expect(result.out).toMatch(/^report written: .+redshift\.html/m);
      expect(result.code).toBe(0);
      const sent = redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
      expect(sent.length).toBeGreaterThan(0);
      // The first statement opens the session on the workgroup; the others run in it.
      expect(sent[0]).toMatchObject({
        WorkgroupName: "etl-wg",
        Database: "dev",
        SecretArn: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rs",
      });
      expect(sent[0]).not.toHaveProperty("ClusterIdentifier");
    } finally {
      process.env = kept;
    }
  });
});

describe("etl dashboard refusals", () => {
  it("refuses a port above 65535 with exit 2", async () => {
    const result = await etl("dashboard", "--port", "70000");

    expect(result.code).toBe(2);
    expect(result.err).toContain("--port must be at most 65535, got 70000");
  });

  it("says so when the port is taken, and exits 1", async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    const address = taken.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const result = await etl("dashboard", "--port", String(port));

      expect(result.code).toBe(1);
      expect(result.err).toContain(`the dashboard could not listen on 127.0.0.1:${port}:`);
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });
});
