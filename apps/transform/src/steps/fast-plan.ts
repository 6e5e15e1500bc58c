import {
  type RowSourcedStarTable,
  SOURCE_SCHEMAS,
  SourceDateSchema,
  SourceNumericSchema,
  type SourceTable,
  SourceTimestampSchema,
  type StarColumnSource,
  starColumnSources,
} from "@etl/schemas";

/** How a source column's value is read: the kinds the source schemas use. */
export type FastSourceKind =
  /** `z.number().int().positive()` */
  | "id"
  /** `z.number().int()` */
  | "int"
  /** `SourceTimestampSchema` */
  | "timestamp"
  /** `SourceDateSchema` */
  | "date"
  /** `SourceNumericSchema` */
  | "numeric"
  /** `z.string()` without checks */
  | "text"
  /** `z.boolean()` */
  | "bool"
  /** `z.enum(values)` */
  | "enum";

export interface FastSourceColumn {
  kind: FastSourceKind;
  nullable?: boolean;
  /** `enum` only: the values allowed. */
  values?: readonly string[];
}

/** A streamed table's source columns (in schema order) and where each star column comes from. */
export interface FastPlan {
  source: Readonly<Record<string, FastSourceColumn>>;
  star: Readonly<Record<string, StarColumnSource>>;
}

/** The parts of a zod schema's definition the plan reads (zod 4's `_zod.def`). */
interface ZodDef {
  type: string;
  innerType?: { _zod: { def: ZodDef } };
  entries?: Readonly<Record<string, string | number>>;
  checks?: readonly {
    _zod: { def: { check: string; format?: string; value?: unknown; inclusive?: boolean } };
  }[];
}

const defOf = (schema: unknown): ZodDef => (schema as { _zod: { def: ZodDef } })._zod.def;

/**
 * The kind of one source column, read from its zod schema. Throws on a schema the fast path
 * cannot check exactly (a string with a pattern, a bounded number, ...): the fast path must accept
 * only what the schema accepts, so a new kind of column has to be taught to it first.
 */
function sourceKindOf(schema: unknown, where: string): FastSourceColumn {
  if (schema === SourceTimestampSchema) return { kind: "timestamp" };
  if (schema === SourceDateSchema) return { kind: "date" };
  if (schema === SourceNumericSchema) return { kind: "numeric" };
  const def = defOf(schema);
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  if (def.type === "nullable" && def.innerType !== undefined) {
    const inner = sourceKindOf(def.innerType, where);
    if (inner.nullable) throw new Error(`${where}: nullable twice`);
    return { ...inner, nullable: true };
  }
  if (def.type === "number") {
    const [first, second, ...rest] = checks;
    const isInteger = first?.check === "number_format" && first.format === "safeint";
    const isPositive = second?.check === "greater_than" && second.value === 0 && second.inclusive === false;
    if (isInteger && second === undefined) return { kind: "int" };
    if (isInteger && isPositive && rest.length === 0) return { kind: "id" };
  }
  if (def.type === "string" && checks.length === 0) return { kind: "text" };
  if (def.type === "boolean" && checks.length === 0) return { kind: "bool" };
  if (def.type === "enum" && checks.length === 0 && def.entries !== undefined) {
    const values = Object.values(def.entries);
    if (values.every((v) => typeof v === "string")) return { kind: "enum", values: values as string[] };
  }
  throw new Error(`${where}: the fast path cannot read a ${def.type} column with these checks`);
}

/**
 * The fast path's plan for a source table whose rows become rows of `star`: the source columns
 * as `@etl/schemas` declares them (`SOURCE_SCHEMAS`) and the star columns as its contract says
 * the formatter fills them (`starColumnSources`). Nothing here restates either.
 *
 * @example
 * const plan = fastPlan("sales_order", "fact_sales_order");
 * plan.source.unit_price // { kind: "numeric" }
 */
export function fastPlan(table: SourceTable, star: RowSourcedStarTable): FastPlan {
  const shape: Readonly<Record<string, unknown>> = SOURCE_SCHEMAS[table].shape;
  const source = Object.fromEntries(
    Object.entries(shape).map(([name, schema]) => [name, sourceKindOf(schema, `${table}.${name}`)]),
  );
  return { source, star: starColumnSources(star) };
}
