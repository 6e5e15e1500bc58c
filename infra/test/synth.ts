import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, type Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { createEtlStacks, type EtlStacks } from "../src/app";
import { INFRA_ROOT } from "../src/paths";
import { parseSettings, type SettingsInput } from "../src/settings";

const cdkJson = JSON.parse(readFileSync(join(INFRA_ROOT, "cdk.json"), "utf8")) as {
  context: Record<string, unknown>;
};

export const DB_SECRET = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/totesys-AbCdEf";
export const WAREHOUSE_SECRET = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/warehouse-AbCdEf";
export const RULES_SECRET = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/rules-AbCdEf";
export const REDSHIFT_SECRET = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/redshift-AbCdEf";
export const WORKGROUP_ARN =
  "arn:aws:redshift-serverless:eu-west-2:123456789012:workgroup/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

export const POSTGRES: SettingsInput = {
  warehouseTarget: "postgres",
  dbSecretArn: DB_SECRET,
  warehouseSecretArn: WAREHOUSE_SECRET,
  alertEmails: ["ops@example.com", "data@example.com"],
};

export const REDSHIFT: SettingsInput = {
  warehouseTarget: "redshift",
  dbSecretArn: DB_SECRET,
  rulesSecretArn: RULES_SECRET,
  redshiftWorkgroup: "etl",
  redshiftWorkgroupArn: WORKGROUP_ARN,
  redshiftDatabase: "dev",
};

export interface Synthesized {
  stacks: EtlStacks;
  stateful: Template;
  ingest: Template;
  transform: Template;
  load: Template;
}

/**
 * Synthesizes the app as `cdk synth` does (cdk.json's feature flags), with inline placeholder
 * code instead of bundles: the handlers need not exist for the templates to be checked.
 */
export function synth(settings: SettingsInput, change?: (stacks: EtlStacks) => void): Synthesized {
  const app = new App({ context: { ...cdkJson.context } });
  const stacks = createEtlStacks(app, parseSettings({ bundle: false, ...settings }));
  change?.(stacks);
  return {
    stacks,
    stateful: Template.fromStack(stacks.stateful),
    ingest: Template.fromStack(stacks.ingest),
    transform: Template.fromStack(stacks.transform),
    load: Template.fromStack(stacks.load),
  };
}

/** cdk-nag findings left unsuppressed in a stack, as `rule: path` lines. */
export function nagErrors(stack: Stack): string[] {
  return Annotations.fromStack(stack)
    .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))
    .map((m) => `${String(m.entry.data).split(":")[0]}: ${m.id}`);
}

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };

export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The one resource of a type whose logical id starts with a prefix. */
export function resource(template: Template, type: string, idPrefix: string): Resource {
  const matches = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(idPrefix));
  if (matches.length !== 1)
    throw new Error(`expected one ${type} named ${idPrefix}*, found ${matches.length}`);
  return (matches[0] as [string, Resource])[1];
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The statements of a function role's policies (the role is `<id>Role...`). */
export function statementsOf(template: Template, functionId: string): Statement[] {
  return Object.entries(resourcesOf(template, "AWS::IAM::Policy"))
    .filter(([id]) => id.startsWith(`${functionId}Role`) || id.startsWith(`${functionId}VpcAccess`))
    .flatMap(([, policy]) => {
      const doc = policy.Properties?.PolicyDocument as { Statement: Statement[] };
      return doc.Statement;
    });
}

export function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

/** The statements granting an action. */
export function granting(statements: Statement[], action: string): Statement[] {
  return statements.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));
}

/** A template value as text, for asserting on the prefix or ARN inside an `Fn::Join`. */
export function text(value: unknown): string {
  return JSON.stringify(value);
}

/** The key prefixes (`raw/`, `runs/`) a statement's object resources end with, sorted. */
export function prefixesOf(statement: Statement | undefined): string[] {
  return [...text(statement?.Resource).matchAll(/"\/([a-z0-9-]+\/)\*"/g)].map((m) => m[1] ?? "").sort();
}

/** The environment variables of the one function whose logical id starts with a prefix. */
export function environmentOf(template: Template, idPrefix: string): Record<string, unknown> {
  const fn = resource(template, "AWS::Lambda::Function", idPrefix);
  const environment = fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
  return environment?.Variables ?? {};
}

/** The statements of the one IAM policy whose logical id starts with a prefix. */
export function policyStatements(template: Template, idPrefix: string): Statement[] {
  const policy = resource(template, "AWS::IAM::Policy", idPrefix);
  const document = policy.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined;
  return document?.Statement ?? [];
}
