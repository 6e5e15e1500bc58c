import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { PARQUET_WASM_FILE } from "../src/constructs/bundling";
import { EtlFunction, type EtlFunctionProps } from "../src/constructs/etl-function";
import type { HandlerSpec } from "../src/handlers";

const FIXTURE: HandlerSpec = {
  app: "transform",
  handler: "fixture",
  entry: "infra/test/fixtures/wasm-handler.ts",
  wasm: true,
};

const RUN_HANDLER =
  "const m = await import(process.argv[1]); process.stdout.write(JSON.stringify(await m.handler()));";

function props(overrides: Partial<EtlFunctionProps> = {}): EtlFunctionProps {
  return {
    spec: FIXTURE,
    environment: { INGEST_BUCKET: "etl-ingest" },
    serviceName: "etl-fixture",
    description: "fixture",
    timeout: Duration.minutes(1),
    memorySize: 256,
    logRetention: RetentionDays.ONE_WEEK,
    bundle: false,
    ...overrides,
  };
}

const PLAIN: HandlerSpec = {
  app: "load",
  handler: "plain-fixture",
  entry: "infra/test/fixtures/plain-handler.ts",
  wasm: false,
};

describe("EtlFunction", () => {
  it("has the house defaults: Node 22, arm64, JSON logs to its own retained log group, Powertools settings", () => {
    const stack = new Stack(new App(), "Fixture");
    new EtlFunction(stack, "Fixture", props());
    const t = Template.fromStack(stack);

    t.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      MemorySize: 256,
      Timeout: 60,
      LoggingConfig: { LogFormat: "JSON" },
      Environment: {
        Variables: {
          INGEST_BUCKET: "etl-ingest",
          POWERTOOLS_SERVICE_NAME: "etl-fixture",
          POWERTOOLS_METRICS_NAMESPACE: "EtlPipeline",
          POWERTOOLS_LOG_LEVEL: "INFO",
          NODE_OPTIONS: "--enable-source-maps",
        },
      },
    });
    t.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 7 });
    t.resourceCountIs("Custom::LogRetention", 0);
    expect(JSON.stringify(t.findResources("AWS::IAM::Role"))).not.toContain("ManagedPolicyArns");
  });

  it("joins existing subnets by id, without a VPC lookup", () => {
    const stack = new Stack(new App(), "Fixture");
    new EtlFunction(
      stack,
      "Fixture",
      props({
        network: { subnetIds: ["subnet-0a1b2c3d", "subnet-0e1f2a3b"], securityGroupIds: ["sg-0a1b2c3d"] },
      }),
    );
    const t = Template.fromStack(stack);

    t.hasResourceProperties("AWS::Lambda::Function", {
      VpcConfig: { SubnetIds: ["subnet-0a1b2c3d", "subnet-0e1f2a3b"], SecurityGroupIds: ["sg-0a1b2c3d"] },
    });
    expect(JSON.stringify(t.findResources("AWS::IAM::Policy"))).toContain("ec2:CreateNetworkInterface");
  });

  it("bundles with esbuild into a minified ESM file that runs, with a source map and the WASM module beside it", () => {
    const outdir = mkdtempSync(join(tmpdir(), "etl-cdk-out-"));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, "Fixture");
      new EtlFunction(stack, "Fixture", props({ bundle: true }));
      const assembly = app.synth();
      const bundleDir =
        readdirSync(assembly.directory)
          .filter((d) => d.startsWith("asset."))
          .map((d) => join(assembly.directory, d))
          .find((d) => existsSync(join(d, "index.mjs"))) ?? "";
      const run = execFileSync(
        process.execPath,
        ["--input-type=module", "-e", RUN_HANDLER, pathToFileURL(join(bundleDir, "index.mjs")).href],
        { encoding: "utf8" },
      );

      expect(readdirSync(bundleDir).sort()).toEqual(["index.mjs", "index.mjs.map", PARQUET_WASM_FILE]);
      expect(readFileSync(join(bundleDir, "index.mjs"), "utf8").split("\n").length).toBeLessThan(10);
      expect(JSON.parse(run)).toEqual({ wasmBytes: statSync(join(bundleDir, PARQUET_WASM_FILE)).size });
      Template.fromStack(stack).hasResourceProperties("AWS::Lambda::Function", { Handler: "index.handler" });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("gives each entry its own bundle when several functions bundle in one app", () => {
    const outdir = mkdtempSync(join(tmpdir(), "etl-cdk-out-"));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, "Fixture");
      new EtlFunction(stack, "Wasm", props({ bundle: true }));
      new EtlFunction(stack, "Plain", props({ bundle: true, spec: PLAIN }));
      const assembly = app.synth();
      const bundles = readdirSync(assembly.directory)
        .filter((d) => d.startsWith("asset.") && existsSync(join(assembly.directory, d, "index.mjs")))
        .map((d) => readdirSync(join(assembly.directory, d)).sort());

      expect(bundles.sort((a, b) => a.length - b.length)).toEqual([
        ["index.mjs", "index.mjs.map"],
        ["index.mjs", "index.mjs.map", PARQUET_WASM_FILE],
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
