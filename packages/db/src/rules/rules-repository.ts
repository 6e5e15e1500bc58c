import type pg from "pg";
import { qualified, quoteIdent } from "../sql";
import { type FileRule, FileRuleSchema, ruleProblems } from "./file-rule";
import { globToRegExp } from "./key-glob";

/** Anything that runs a parameterised query: a `pg` client or pool. */
export type Queryable = pg.Pool | pg.ClientBase;

export const DEFAULT_RULES_SCHEMA = "etl_control";
export const RULES_TABLE = "file_rules";

/**
 * The rules table: the columns matching uses (`name`, `key_glob`, `priority`, `active`) and the
 * whole rule as JSON (`definition`), validated with `FileRuleSchema` whenever it is read.
 * Idempotent.
 */
export function fileRulesDdl(schema = DEFAULT_RULES_SCHEMA): string[] {
  const table = qualified(schema, RULES_TABLE);
  return [
    `create schema if not exists ${quoteIdent(schema)}`,
    `create table if not exists ${table} (
  "name" text not null,
  "key_glob" text not null,
  "priority" integer not null,
  "active" boolean not null default true,
  "definition" jsonb not null,
  "updated_at" timestamptz not null default now(),
  constraint ${quoteIdent(`${RULES_TABLE}_pkey`)} primary key ("name")
)`,
    `create index if not exists ${quoteIdent(`${RULES_TABLE}_active_priority`)} on ${table} ("active", "priority", "name")`,
  ];
}

/** A row of the rules table: its rule when valid, or why it is not. */
export interface StoredRule {
  name: string;
  keyGlob: string;
  priority: number;
  active: boolean;
  updatedAt: Date;
  rule?: FileRule;
  problems?: string[];
}

export type RuleMatch =
  | { kind: "matched"; rule: FileRule }
  | { kind: "none" }
  /** The first rule in priority order whose glob matches is not valid: nothing is guessed. */
  | { kind: "invalid"; name: string; problems: string[] };

type RuleRow = {
  name: string;
  key_glob: string;
  priority: number;
  active: boolean;
  definition: unknown;
  updated_at: Date;
};

function toStoredRule(row: RuleRow): StoredRule {
  const stored: StoredRule = {
    name: row.name,
    keyGlob: row.key_glob,
    priority: row.priority,
    active: row.active,
    updatedAt: row.updated_at,
  };
  const definition = typeof row.definition === "object" && row.definition !== null ? row.definition : {};
  // The columns win over the JSON: `disable` and `etl rules add` change the columns.
  const parsed = FileRuleSchema.safeParse({
    ...definition,
    name: row.name,
    keyGlob: row.key_glob,
    priority: row.priority,
    active: row.active,
  });
  if (parsed.success) stored.rule = parsed.data;
  else stored.problems = ruleProblems(parsed.error);
  return stored;
}

/**
 * The first rule, in priority order (lowest number first, then name), whose glob matches the
 * key. Inactive rules are passed over; an invalid rule that matches stops the search, so a bad
 * edit never silently hands a file to a rule of lower priority.
 */
export function matchRule(rules: readonly StoredRule[], key: string): RuleMatch {
  const ordered = rules
    .filter((r) => r.active)
    .sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const stored of ordered) {
    if (!globToRegExp(stored.keyGlob).test(key)) continue;
    if (stored.rule) return { kind: "matched", rule: stored.rule };
    return { kind: "invalid", name: stored.name, problems: stored.problems ?? ["not a valid rule"] };
  }
  return { kind: "none" };
}

export interface FileRulesRepository {
  /** Creates the control schema and the rules table when missing. */
  ensureTable(): Promise<void>;
  /** Every rule (or only the active ones), in priority order, each validated. */
  list(options?: { activeOnly?: boolean }): Promise<StoredRule[]>;
  get(name: string): Promise<StoredRule | undefined>;
  /** Adds the rule or replaces the rule of the same name; it is validated first. */
  upsert(rule: FileRule): Promise<void>;
  /** Resolves false when no rule has this name. */
  disable(name: string): Promise<boolean>;
  match(key: string): Promise<RuleMatch>;
}

/**
 * The rules table in PostgreSQL. Values travel as bind parameters; the schema name goes
 * through `quoteIdent`.
 *
 * @example
 * const rules = createFileRulesRepository(pool);
 * const found = await rules.match("landing/sales/2026-11-23.csv");
 * if (found.kind === "matched") console.log(found.rule.target);
 */
export function createFileRulesRepository(
  db: Queryable,
  options: { schema?: string } = {},
): FileRulesRepository {
  const schema = options.schema ?? DEFAULT_RULES_SCHEMA;
  const table = qualified(schema, RULES_TABLE);
  const columns = `"name", "key_glob", "priority", "active", "definition", "updated_at"`;
  const order = `order by "priority", "name"`;
  const list = async (activeOnly = false) => {
    const where = activeOnly ? ` where "active"` : "";
    try {
      const result = await db.query<RuleRow>(`select ${columns} from ${table}${where} ${order}`);
      return result.rows.map(toStoredRule);
    } catch (error) {
      // Before the first `etl rules add` (or migration) there is no rules table: no rule exists,
      // so a landed file meets the documented no-rule outcome instead of a retry loop.
      if (isMissingRelation(error)) return [];
      throw error;
    }
  };
  return {
    async ensureTable() {
      for (const sql of fileRulesDdl(schema)) await db.query(sql);
    },
    list: (listOptions) => list(listOptions?.activeOnly ?? false),
    async get(name) {
      const result = await db.query<RuleRow>(`select ${columns} from ${table} where "name" = $1`, [name]);
      const row = result.rows[0];
      return row ? toStoredRule(row) : undefined;
    },
    async upsert(rule) {
      const valid = FileRuleSchema.parse(rule);
      await db.query(
        `insert into ${table} ("name", "key_glob", "priority", "active", "definition", "updated_at") ` +
          `values ($1, $2, $3, $4, $5::jsonb, now()) on conflict ("name") do update set ` +
          `"key_glob" = excluded."key_glob", "priority" = excluded."priority", "active" = excluded."active", ` +
          `"definition" = excluded."definition", "updated_at" = now()`,
        [valid.name, valid.keyGlob, valid.priority, valid.active, JSON.stringify(valid)],
      );
    },
    async disable(name) {
      const result = await db.query(
        `update ${table} set "active" = false, "updated_at" = now() where "name" = $1`,
        [name],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async match(key) {
      return matchRule(await list(true), key);
    },
  };
}

/** PostgreSQL's undefined_table (42P01) and invalid_schema_name (3F000). */
function isMissingRelation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "42P01" || code === "3F000";
}
