import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { INFRA_ROOT } from "../paths";
import { affectedSince, formatPlan } from "./affected";

/**
 * `pnpm deploy:changed [--base REF] [--execute] [--json] [--config FILE] [-- CDK_ARGS...]`
 * prints the stacks of the apps affected since REF and, with --execute, deploys exactly those
 * (`cdk deploy --exclusively`), passing `--config` and any CDK arguments after `--`.
 */
function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      base: { type: "string", default: process.env.DEPLOY_BASE ?? "HEAD~1" },
      execute: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      config: { type: "string" },
      prefix: { type: "string" },
      cwd: { type: "string" },
      "turbo-bin": { type: "string" },
      "cdk-bin": { type: "string", default: join(INFRA_ROOT, "node_modules", ".bin", "cdk") },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: pnpm deploy:changed [--base REF] [--execute] [--json] [--config FILE] [--prefix Etl] [-- CDK_ARGS]\n",
    );
    return 0;
  }

  const plan = affectedSince({
    base: values.base,
    ...(values.cwd ? { cwd: values.cwd } : {}),
    ...(values["turbo-bin"] ? { turboBin: values["turbo-bin"] } : {}),
    ...(values.prefix ? { prefix: values.prefix } : {}),
  });
  process.stdout.write(`${values.json ? JSON.stringify(plan, null, 2) : formatPlan(plan)}\n`);
  if (!values.execute || plan.stacks.length === 0) return 0;

  const args = [
    "deploy",
    "--exclusively",
    ...plan.stacks.map((s) => s.stack),
    ...(values.config ? ["-c", `config=${values.config}`] : []),
    ...(values.prefix ? ["-c", `stackPrefix=${values.prefix}`] : []),
    ...positionals,
  ];
  process.stdout.write(`$ cdk ${args.join(" ")}\n`);
  const result = spawnSync(values["cdk-bin"], args, { cwd: INFRA_ROOT, stdio: "inherit" });
  if (result.error) {
    process.stderr.write(`deploy:changed: cannot run ${values["cdk-bin"]}: ${result.error.message}\n`);
    return 1;
  }
  return result.status ?? 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`deploy:changed: ${message}\n`);
  process.exitCode = 1;
}
