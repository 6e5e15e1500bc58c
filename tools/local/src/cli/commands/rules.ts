import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { DEFAULT_CSV, postgresCopySql } from "@etl/db/file-load";
import {
  createFileRulesRepository,
  DEFAULT_RULES_SCHEMA,
  delimitedOptions,
  type FileRule,
  type FileRulesRepository,
  type StoredRule,
} from "@etl/db/rules";
import { parseRulesDocument } from "@etl/db/rules-file";
import { DataError } from "@etl/schemas";
import pg from "pg";
import { openLocalEnvironment } from "../../environment";
import { type Command, defaultDataDir, err, out } from "../command";

const USAGE = [
  "etl rules list [--all] [--json] [--data-dir DIR]",
  "etl rules add --file rules.yaml|rules.json [--data-dir DIR]",
  "etl rules disable <name> [--data-dir DIR]",
  "etl rules test <key> [--data-dir DIR]",
].join("\n       ");

function describeTarget(rule: FileRule): string {
  if (rule.split) return `split by ${rule.split.start}:${rule.split.end} -> ${rule.split.to}<type>/`;
  const target = rule.target ? `${rule.target.schema}.${rule.target.table}` : "?";
  return `${rule.writeMode}${rule.writeMode === "merge" ? ` on ${(rule.mergeKeys ?? []).join(", ")}` : ""} -> ${target}`;
}

function listLine(stored: StoredRule): string {
  const state = stored.active ? "active  " : "disabled";
  const what = stored.rule
    ? `${stored.rule.format}${stored.rule.compression === "gzip" ? "+gzip" : ""}  ${describeTarget(stored.rule)}`
    : `INVALID: ${(stored.problems ?? []).join("; ")}`;
  return `${stored.name.padEnd(24)} ${state} ${String(stored.priority).padStart(6)}  ${stored.keyGlob.padEnd(36)} ${what}`;
}

/** What `test` prints about the rule a key would get. */
function explain(rule: FileRule, key: string): string[] {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const lines = [
    `${key} -> rule ${rule.name} (priority ${rule.priority})`,
    `  format       ${rule.format}, compression ${rule.compression}, header lines ${rule.headerLines}`,
    `  trailer      ${rule.trailer ? `record count at ${rule.trailer.start}:${rule.trailer.end} of the last line` : "none"}`,
    `  minimum size ${rule.minBytes} bytes`,
    `  load         ${describeTarget(rule)}${rule.followUp ? `, then call ${rule.followUp}()` : ""}`,
    `  time zone    ${rule.timeZone}`,
    `  archive      ${rule.prefixes.archive}${rule.name}/YYYY/MM/DD/${name}`,
    `  error        ${rule.prefixes.error}${rule.name}/YYYY/MM/DD/${name} (+ .reason.json)`,
    `  notify       ${rule.notify}`,
  ];
  if (rule.target && rule.columns) {
    const copy = postgresCopySql(
      {
        schema: rule.target.schema,
        table: rule.target.table,
        fields: rule.columns.map((c) => (c.name === undefined ? {} : { column: c.name })),
        mode: rule.writeMode,
        keys: rule.mergeKeys ?? [],
        timeZone: rule.timeZone,
        ledger: {
          controlSchema: "etl",
          key: "",
          runId: "",
          table: "",
          sha256: "",
          rows: 0,
          loadedAt: new Date(0),
        },
      },
      rule.format === "csv" || rule.format === "delimited" ? delimitedOptions(rule) : DEFAULT_CSV,
    );
    lines.push(`  PostgreSQL   ${copy}`);
  }
  return lines;
}

async function withRules<T>(dataDir: string, fn: (rules: FileRulesRepository) => Promise<T>): Promise<T> {
  const local = await openLocalEnvironment(dataDir);
  // The rules live where the load reads them: RULES_DATABASE_URL, else the local warehouse.
  const client = new pg.Client({
    connectionString: process.env.RULES_DATABASE_URL ?? local.env.WAREHOUSE_URL,
  });
  try {
    await client.connect();
    const rules = createFileRulesRepository(client, {
      schema: process.env.FILE_RULES_SCHEMA ?? DEFAULT_RULES_SCHEMA,
    });
    await rules.ensureTable();
    return await fn(rules);
  } finally {
    await client.end().catch(() => undefined);
    await local.close();
  }
}

export const rules: Command = {
  name: "rules",
  summary: "list, add (from YAML or JSON), disable and test the rules for files landed under landing/",
  usage: USAGE,
  options: {
    all: { type: "boolean" },
    json: { type: "boolean" },
    file: { type: "string" },
    "data-dir": { type: "string" },
  },
  async run({ values, positionals }) {
    const [action, argument, ...extra] = positionals;
    const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
    if (extra.length > 0 || !action) {
      err(`usage: ${USAGE}`);
      return 2;
    }
    switch (action) {
      case "list":
        return withRules(dataDir, async (repository) => {
          const listed = await repository.list({ activeOnly: values.all !== true });
          if (values.json === true) {
            out(JSON.stringify(listed));
            return listed.some((r) => r.problems) ? 1 : 0;
          }
          if (listed.length === 0)
            out(values.all ? "no rules" : "no active rules (--all lists disabled ones too)");
          for (const stored of listed) out(listLine(stored));
          return listed.some((r) => r.problems) ? 1 : 0;
        });
      case "add": {
        const file = values.file as string | undefined;
        if (!file) {
          err("etl rules add: --file rules.yaml|rules.json is required");
          return 2;
        }
        let parsed: FileRule[];
        try {
          // `pnpm etl` runs in tools/local: a relative path means the caller's directory (INIT_CWD).
          const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
          parsed = parseRulesDocument(await readFile(path, "utf8"), basename(file));
        } catch (error) {
          if (!(error instanceof DataError)) throw error;
          err(error.message);
          return 1;
        }
        return withRules(dataDir, async (repository) => {
          for (const rule of parsed) {
            const existed = (await repository.get(rule.name)) !== undefined;
            await repository.upsert(rule);
            out(`${existed ? "replaced" : "added   "} ${rule.name.padEnd(24)} ${rule.keyGlob}`);
          }
          return 0;
        });
      }
      case "disable":
        if (!argument) {
          err("etl rules disable: name the rule");
          return 2;
        }
        return withRules(dataDir, async (repository) => {
          if (await repository.disable(argument)) {
            out(`disabled ${argument}`);
            return 0;
          }
          err(`no rule named ${argument}`);
          return 1;
        });
      case "test":
        if (!argument) {
          err("etl rules test: give an object key, e.g. landing/sales/2026-11-23.csv");
          return 2;
        }
        return withRules(dataDir, async (repository) => {
          const match = await repository.match(argument);
          if (match.kind === "none") {
            out(`${argument} -> no active rule: the file would be ABORTED to error/unmatched/`);
            return 1;
          }
          if (match.kind === "invalid") {
            out(`${argument} -> rule ${match.name}, which is INVALID: ${match.problems.join("; ")}`);
            return 1;
          }
          for (const line of explain(match.rule, argument)) out(line);
          return 0;
        });
      default:
        err(`etl rules: unknown action "${action}"\nusage: ${USAGE}`);
        return 2;
    }
  },
};
