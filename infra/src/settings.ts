import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { z } from "zod";

/** A context value given as a JSON array in cdk.json or as a comma-separated `-c key=a,b`. */
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s !== ""));

/** A list whose every item matches a pattern (subnet and security group ids). */
const idList = (pattern: RegExp, what: string) =>
  list.pipe(z.array(z.string().regex(pattern, `must be ${what}`)));

const flag = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
  .transform((v) => v === true || v === "true" || v === "1");

const retentionDays = new Set<number>(
  Object.values(RetentionDays).filter((v): v is number => typeof v === "number"),
);

/**
 * The deployment's settings, read from CDK context (`cdk.json` or `-c key=value`). Only shapes
 * are checked here; whether a setting is required is decided by each app's env schema when the
 * function environments are built, so a missing value fails synth naming the variable.
 */
export const SettingsSchema = z
  .object({
    /** Prefix of every stack name: `<prefix>Stateful`, `<prefix>Ingest`, ... */
    stackPrefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,30}$/)
      .default("Etl"),
    /** Pin the stacks to an account and region; otherwise the CLI's credentials decide. */
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/)
      .optional(),
    warehouseTarget: z.enum(["postgres", "redshift"]).default("postgres"),
    /** Secrets Manager ARNs: totesys (ingest), PostgreSQL warehouse, Redshift user, rules database. */
    dbSecretArn: z.string().optional(),
    warehouseSecretArn: z.string().optional(),
    redshiftSecretArn: z.string().optional(),
    rulesSecretArn: z.string().optional(),
    warehouseSchema: z.string().optional(),
    /** Redshift Serverless workgroup name, or a provisioned cluster identifier. */
    redshiftWorkgroup: z.string().optional(),
    /** The workgroup's ARN (it carries the workgroup id, not its name): scopes the Data API grants. */
    redshiftWorkgroupArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:redshift-serverless:[a-z0-9-]+:\d{12}:workgroup\/[0-9a-f-]+$/,
        "must be a workgroup ARN",
      )
      .optional(),
    redshiftClusterId: z.string().optional(),
    redshiftDatabase: z.string().optional(),
    /** The role Redshift assumes for COPY; when absent and the target is Redshift, one is created. */
    redshiftCopyRoleArn: z.string().optional(),
    alertEmails: list.default([]),
    /** Follow-up procedures (`schema.procedure`) the landed-file rules may call. */
    fileFollowUps: idList(/^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/, "schema.procedure names").default(
      [],
    ),
    ingestRateMinutes: z.coerce.number().int().min(1).max(1440).default(15),
    logRetentionDays: z.coerce
      .number()
      .int()
      .refine(
        (d) => retentionDays.has(d),
        "must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...)",
      )
      .default(30),
    /** Private subnets and security groups for the functions that reach a PostgreSQL database. */
    subnetIds: idList(/^subnet-[0-9a-f]{8,17}$/, "subnet ids").default([]),
    securityGroupIds: idList(/^sg-[0-9a-f]{8,17}$/, "security group ids").default([]),
    /** Bundle the handlers with esbuild (false: inline placeholders, for template tests only). */
    bundle: flag.default(true),
  })
  .refine((s) => s.subnetIds.length === 0 || s.securityGroupIds.length > 0, {
    message: "functions placed in subnets need at least one security group",
    path: ["securityGroupIds"],
  });

export type Settings = z.infer<typeof SettingsSchema>;
export type SettingsInput = z.input<typeof SettingsSchema>;

/** The keys `SettingsSchema` reads from the CDK context. */
export const SETTING_KEYS = Object.keys(SettingsSchema.shape) as (keyof Settings)[];

/**
 * Parses settings, listing every problem by context key.
 *
 * @example
 * const settings = parseSettings({ warehouseTarget: app.node.tryGetContext("warehouseTarget") });
 */
export function parseSettings(input: Record<string, unknown>): Settings {
  // `-c key=` unsets a key that the settings file sets.
  const given = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== ""));
  const result = SettingsSchema.safeParse(given);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(settings)"}: ${i.message}`);
    throw new Error(`invalid CDK context: ${problems.join("; ")}`);
  }
  return result.data;
}

/**
 * The settings of a deployment: a JSON settings file named by the `config` context key (a path
 * from the infra directory, required), overridden key by key by context values (`-c key=value`).
 *
 * @example
 * // cdk synth -c config=config/example.json -c warehouseTarget=redshift
 * const settings = loadSettings((key) => app.node.tryGetContext(key));
 */
export function loadSettings(context: (key: string) => unknown, baseDir = process.cwd()): Settings {
  const configPath = context("config");
  // Without a settings file every synth would stop at the first app's missing secret ARN, which
  // names a variable instead of the missing option.
  if (configPath === undefined || configPath === "") {
    throw new Error(
      "no settings file: pass -c config=config/<name>.json (config/example.json to try it); see infra/README.md, Settings",
    );
  }
  if (typeof configPath !== "string") throw new Error("invalid CDK context: config: must be a file path");
  const path = resolve(baseDir, configPath);
  let fromFile: Record<string, unknown>;
  try {
    fromFile = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`invalid CDK context: config: cannot read ${path}: ${(error as Error).message}`);
  }
  const fromContext = Object.fromEntries(
    SETTING_KEYS.map((key) => [key, context(key)]).filter(([, value]) => value !== undefined),
  );
  return parseSettings({ ...fromFile, ...fromContext });
}

/** Stack names from the prefix, shared by the app and `deploy:changed`. */
export function stackNames(prefix = "Etl") {
  return {
    stateful: `${prefix}Stateful`,
    ingest: `${prefix}Ingest`,
    transform: `${prefix}Transform`,
    load: `${prefix}Load`,
  } as const;
}
