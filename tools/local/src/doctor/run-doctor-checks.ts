import { randomUUID } from "node:crypto";
import type { DoctorCheck, DoctorClients, Env } from "./doctor-check";
import { checkPostgres } from "./postgres-check";
import { checkRedshift } from "./redshift-check";
import { checkQueues, checkRules, checkSecrets, checkTables, checkTopic } from "./stack-checks";

export interface DoctorOptions {
  /** Rules are found by this name prefix unless `EVENT_RULE_NAMES` lists them. */
  rulePrefix?: string;
  /** Names the doctor's temporary objects and statements. */
  token?: string;
  now?: () => Date;
  /** How long a Redshift statement may take. */
  statementTimeoutMs?: number;
}

/** Runs every check against the deployed stack the variables name; harmless calls only. */
export async function runDoctorChecks(
  env: Env,
  clients: DoctorClients,
  options: DoctorOptions = {},
): Promise<DoctorCheck[]> {
  const token = options.token ?? randomUUID().slice(0, 8);
  const now = options.now ?? (() => new Date());
  const results = [
    ...(await checkSecrets(env, clients)),
    ...(await checkTables(env, clients)),
    await checkTopic(env, clients, now),
    ...(await checkQueues(env, clients)),
    ...(await checkRules(env, clients, options.rulePrefix ?? "Etl")),
  ];
  if ((env.WAREHOUSE_TARGET ?? "postgres") === "redshift")
    results.push(...(await checkRedshift(env, clients, token, options.statementTimeoutMs ?? 120_000)));
  else results.push(...(await checkPostgres(env, clients)));
  return results;
}

const MARK = { ok: "✓", fail: "✗", warn: "!" } as const;

/** The checklist as lines: a mark per check, then the fix under each failure or warning. */
export function formatChecklist(results: readonly DoctorCheck[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.check}: ${r.detail}`);
    if (r.fix) lines.push(`    fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === "fail").length;
  const warned = results.filter((r) => r.status === "warn").length;
  lines.push(`${results.length - failed - warned} passed, ${failed} failed, ${warned} warning(s)`);
  return lines;
}
