import type { ParquetColumn } from "@etl/s3-io/parquet";
import type { SourceTable } from "@etl/schemas";
import { asciiBytes, type Key, keyOf } from "./fast-bytes";
import type { FastPlan, FastSourceKind } from "./fast-plan";

// Source kinds as small integers for the hot loop.
export const K_ID = 0;
export const K_INT = 1;
export const K_TIMESTAMP = 2;
export const K_DATE = 3;
export const K_NUMERIC = 4;
export const K_TEXT = 5;
export const K_BOOL = 6;
export const K_ENUM = 7;
const KINDS: Record<FastSourceKind, number> = {
  id: K_ID,
  int: K_INT,
  timestamp: K_TIMESTAMP,
  date: K_DATE,
  numeric: K_NUMERIC,
  text: K_TEXT,
  bool: K_BOOL,
  enum: K_ENUM,
};

/** Digits of an integer the fast path reads: always a safe integer. */
export const MAX_DIGITS = 15;

/** One source column: how its value is read, and the star columns (indexes, -1 for none) it fills. */
export interface SourceSlot {
  key: Key;
  kind: number;
  nullable: boolean;
  values: Uint8Array[];
  int32: number;
  days: number;
  time: number;
  /** The whole timestamp as canonical text. */
  stamp: number;
  decimal: number;
  text: number;
  bool: number;
  /** Decimals: digits allowed before the point, and the scale. */
  integerDigits: number;
  scale: number;
  /** Every star column it fills. */
  fills: number[];
  /** The nullable star columns it fills: marked valid when a value is read. */
  valid: number[];
}

/** The source slots of a plan, for the star columns of a Parquet part; throws on a plan that does not fit. */
export function compileSlots(
  table: SourceTable,
  plan: FastPlan,
  columns: readonly ParquetColumn[],
): SourceSlot[] {
  const names = Object.keys(plan.source);
  if (names.length > 30) throw new Error(`${table}: the fast path reads at most 30 columns`);
  const slots: SourceSlot[] = names.map((name) => {
    const source = plan.source[name] ?? { kind: "text" };
    return {
      key: keyOf(name),
      kind: KINDS[source.kind],
      nullable: source.nullable === true,
      values: (source.values ?? []).map(asciiBytes),
      int32: -1,
      days: -1,
      time: -1,
      stamp: -1,
      decimal: -1,
      text: -1,
      bool: -1,
      integerDigits: 0,
      scale: 0,
      fills: [],
      valid: [],
    };
  });
  columns.forEach((column, index) => {
    const star = plan.star[column.name];
    if (!star) throw new Error(`${table}: the fast plan does not fill ${column.name}`);
    const slot = slots[names.indexOf(star.from)];
    const source = plan.source[star.from];
    if (slot === undefined || source === undefined)
      throw new Error(`${table}: ${column.name} comes from unknown ${star.from}`);
    const kind = source.kind;
    const cannot = () =>
      new Error(`${table}: ${column.name} (${column.type}) cannot come from ${star.from} (${kind})`);
    const take = (op: "int32" | "days" | "time" | "stamp" | "decimal" | "text" | "bool") => {
      if (slot[op] >= 0) throw new Error(`${table}: ${star.from} fills two ${op} columns`);
      slot[op] = index;
    };
    if (star.part !== undefined && kind !== "timestamp") throw cannot();
    if ((kind === "id" || kind === "int") && column.type === "int32") take("int32");
    else if (kind === "date" && column.type === "date") take("days");
    else if (kind === "timestamp" && star.part === "date" && column.type === "date") take("days");
    else if (kind === "timestamp" && star.part === "time" && column.type === "utf8") take("time");
    else if (kind === "timestamp" && star.part === "timestamp" && column.type === "utf8") take("stamp");
    else if (kind === "numeric" && column.type === "decimal") {
      const precision = column.precision ?? 0;
      const scale = column.scale ?? 0;
      // Unscaled values stay safe integers: exact in a double.
      if (precision < 1 || precision > MAX_DIGITS || scale < 0 || scale > precision)
        throw new Error(`${table}: ${column.name} is too wide for the fast path`);
      take("decimal");
      slot.integerDigits = precision - scale;
      slot.scale = scale;
    } else if ((kind === "text" || kind === "enum") && column.type === "utf8") take("text");
    else if (kind === "bool" && column.type === "bool") take("bool");
    else throw cannot();
    if (source.nullable && !column.nullable)
      throw new Error(`${table}: ${column.name} is NOT NULL but ${star.from} is nullable`);
    slot.fills.push(index);
    if (column.nullable) slot.valid.push(index);
  });
  names.forEach((name, i) => {
    if (plan.source[name]?.kind === "numeric" && slots[i]?.decimal === -1)
      throw new Error(`${table}: numeric ${name} must fill a decimal column (that is where it is checked)`);
  });
  return slots;
}
