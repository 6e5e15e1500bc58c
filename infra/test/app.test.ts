import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Token } from "aws-cdk-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { createEtlStacks } from "../src/app";
import { INFRA_ROOT } from "../src/paths";
import { parseSettings } from "../src/settings";
import { POSTGRES, type Synthesized, synth } from "./synth";

const cdkContext = (JSON.parse(readFileSync(join(INFRA_ROOT, "cdk.json"), "utf8")) as { context: object })
  .context;

describe("the app", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ ...POSTGRES, stackPrefix: "Dev" });
  });

  it("names its four stacks from the prefix", () => {
    const names = [s.stacks.stateful, s.stacks.ingest, s.stacks.transform, s.stacks.load].map(
      (st) => st.stackName,
    );

    expect(names).toEqual(["DevStateful", "DevIngest", "DevTransform", "DevLoad"]);
  });

  it("lets each app stack deploy alone: it depends on the stateful stack only, which depends on none", () => {
    const dependencies = Object.fromEntries(
      [s.stacks.stateful, s.stacks.ingest, s.stacks.transform, s.stacks.load].map((st) => [
        st.stackName,
        st.dependencies.map((d) => d.stackName),
      ]),
    );

    expect(dependencies).toEqual({
      DevStateful: [],
      DevIngest: ["DevStateful"],
      DevTransform: ["DevStateful"],
      DevLoad: ["DevStateful"],
    });
  });

  it("protects the stateful stack from deletion and tags every stack", () => {
    expect(s.stacks.stateful.terminationProtection).toBe(true);
    expect(s.stacks.ingest.terminationProtection).toBe(false);
    for (const template of [s.stateful, s.ingest, s.transform, s.load]) {
      expect(JSON.stringify(template.findResources("AWS::IAM::Role"))).toContain(
        '{"Key":"project","Value":"etl-pipeline"}',
      );
    }
  });

  it("publishes the names an operator needs as stack outputs", () => {
    expect(Object.keys(s.stateful.findOutputs("*"))).toEqual(
      expect.arrayContaining([
        "IngestBucketName",
        "ProcessedBucketName",
        "LandingBucketName",
        "AlertTopicArn",
      ]),
    );
    expect(Object.keys(s.ingest.findOutputs("*"))).toEqual(["IngestFunctionName"]);
    expect(Object.keys(s.load.findOutputs("*")).sort()).toEqual([
      "FilesDeadLetterQueueUrl",
      "FilesFunctionName",
      "RunsDeadLetterQueueUrl",
      "RunsFunctionName",
    ]);
  });

  it("leaves account and region to the CLI's credentials unless the settings pin them", () => {
    expect(Token.isUnresolved(s.stacks.load.account)).toBe(true);
    expect(Token.isUnresolved(s.stacks.load.region)).toBe(true);

    const pinned = createEtlStacks(
      new App({ context: { ...cdkContext } }),
      parseSettings({ ...POSTGRES, bundle: false, account: "123456789012", region: "eu-west-2" }),
    );

    for (const stack of [pinned.stateful, pinned.ingest, pinned.transform, pinned.load]) {
      expect([stack.account, stack.region]).toEqual(["123456789012", "eu-west-2"]);
    }
  });
});
