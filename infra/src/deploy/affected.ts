import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../paths";
import { stackNames } from "../settings";

type StackKey = "stateful" | "ingest" | "transform" | "load";
const STACK_ORDER: readonly StackKey[] = ["stateful", "ingest", "transform", "load"];

/** Which stack deploys each app. */
export const APP_STACKS: Readonly<Record<string, StackKey>> = {
  "@etl/ingest": "ingest",
  "@etl/transform": "transform",
  "@etl/load": "load",
};

/**
 * What an infra file's change means for the stacks: a stack file touches its stack, shared
 * code and settings touch every stack, tests and docs touch none.
 */
export function stacksOfInfraFile(path: string): readonly StackKey[] {
  const file = path.replace(/^infra\//, "");
  if (/(^|\/)[^/]+\.test\.ts$/.test(file) || /^(test|src\/deploy)\//.test(file)) return [];
  if (/\.md$/.test(file) || file === "src/bundles.ts" || file === "vitest.config.ts") return [];
  if (file === "tsconfig.json") return [];
  const stack = /^src\/stacks\/(stateful|ingest|transform|load)-stack\.ts$/.exec(file)?.[1] as
    | StackKey
    | undefined;
  if (stack) return [stack];
  if (file === "src/constructs/star-catalog.ts") return ["transform"];
  return STACK_ORDER;
}

export interface PlannedStack {
  stack: string;
  reasons: string[];
}

export interface DeployPlan {
  base: string;
  /** Packages with changed files since the base. */
  changedPackages: string[];
  /** Apps whose code, or a dependency's code, changed. */
  affectedApps: string[];
  /** Changed files of the infra package itself. */
  infraFiles: string[];
  /** Stacks to deploy, stateful first. */
  stacks: PlannedStack[];
  statefulChanged: boolean;
}

export interface PlanInput {
  base: string;
  changedPackages: readonly string[];
  affectedPackages: readonly string[];
  infraFiles: readonly string[];
  prefix?: string;
}

/**
 * The stacks to deploy, with the reasons, from turbo's package graph and the infra package's
 * own changed files. Pure: `affectedSince` gathers the inputs.
 */
export function planDeploy(input: PlanInput): DeployPlan {
  const names = stackNames(input.prefix);
  const reasons = new Map<StackKey, string[]>();
  const add = (key: StackKey, reason: string) => reasons.set(key, [...(reasons.get(key) ?? []), reason]);

  const changed = new Set(input.changedPackages);
  const affectedApps = [...new Set(input.affectedPackages)].filter((p) => p in APP_STACKS).sort();
  for (const app of affectedApps) {
    const key = APP_STACKS[app];
    if (!key) continue;
    add(key, changed.has(app) ? `${app} changed` : `${app} depends on a changed package`);
  }
  const infraByStack = new Map<StackKey, string[]>();
  for (const file of input.infraFiles) {
    for (const key of stacksOfInfraFile(file))
      infraByStack.set(key, [...(infraByStack.get(key) ?? []), file]);
  }
  for (const [key, files] of infraByStack) add(key, `infra changed: ${summarise(files)}`);

  const stacks = STACK_ORDER.filter((key) => reasons.has(key)).map((key) => ({
    stack: names[key],
    reasons: [...new Set(reasons.get(key))],
  }));
  return {
    base: input.base,
    changedPackages: [...changed].sort(),
    affectedApps,
    infraFiles: [...input.infraFiles],
    stacks,
    statefulChanged: reasons.has("stateful"),
  };
}

export interface AffectedOptions {
  base: string;
  /** The repository root (the turbo workspace). */
  cwd?: string;
  /** The turbo executable; the workspace's own by default. */
  turboBin?: string;
  prefix?: string;
}

interface TurboLs {
  packages: { items: { name: string; path: string }[] };
}

function turboPackages(filter: string, cwd: string, turboBin: string): string[] {
  const out = execFileSync(turboBin, ["ls", "--filter", filter, "--output", "json"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" },
  });
  const json = JSON.parse(out.slice(out.indexOf("{"))) as TurboLs;
  return json.packages.items.map((item) => item.name);
}

function git(args: string[], cwd: string): string[] {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/**
 * The deploy plan for everything changed since `base` (committed or not), using turbo's
 * package graph: `[base]` for the packages that changed, `...[base]` for them and every
 * package that depends on them.
 */
export function affectedSince(options: AffectedOptions): DeployPlan {
  const cwd = options.cwd ?? REPO_ROOT;
  const turboBin = options.turboBin ?? join(REPO_ROOT, "node_modules", ".bin", "turbo");
  try {
    git(["rev-parse", "--verify", "--quiet", `${options.base}^{commit}`], cwd);
  } catch {
    throw new Error(`unknown base "${options.base}": give a commit, branch or tag (--base origin/main)`);
  }
  const changedPackages = turboPackages(`[${options.base}]`, cwd, turboBin);
  const affectedPackages = turboPackages(`...[${options.base}]`, cwd, turboBin);
  const infraFiles = [
    ...git(["diff", "--name-only", options.base, "--", "infra"], cwd),
    ...git(["ls-files", "--others", "--exclude-standard", "--", "infra"], cwd),
  ];
  return planDeploy({
    base: options.base,
    changedPackages,
    affectedPackages,
    infraFiles: [...new Set(infraFiles)].sort(),
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
}

/** `a.ts, b.ts, c.ts and 4 more`: names without the `infra/` prefix. */
function summarise(files: readonly string[], shown = 3): string {
  const names = files.map((f) => f.replace(/^infra\//, ""));
  const head = names.slice(0, shown).join(", ");
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}

/** The plan as an operator reads it. */
export function formatPlan(plan: DeployPlan): string {
  const lines = [`Changes since ${plan.base}:`];
  lines.push(`  changed packages: ${plan.changedPackages.join(", ") || "none"}`);
  lines.push(`  affected apps: ${plan.affectedApps.join(", ") || "none"}`);
  if (plan.infraFiles.length > 0) lines.push(`  infra files: ${summarise(plan.infraFiles, 5)}`);
  if (plan.stacks.length === 0) {
    lines.push("Nothing to deploy.");
    return lines.join("\n");
  }
  lines.push("Stacks to deploy:");
  const width = Math.max(...plan.stacks.map((s) => s.stack.length));
  for (const s of plan.stacks) lines.push(`  ${s.stack.padEnd(width)}  ${s.reasons.join("; ")}`);
  if (plan.statefulChanged) {
    lines.push(
      "Stateful stack changed: review `cdk diff` first. Buckets and tables are retained and",
      "protected from deletion; a change that replaces one of them fails instead of losing data.",
    );
  }
  return lines.join("\n");
}
