import { DataError } from "../errors";
import { normaliseTimestamp } from "../source";

/**
 * `YYYY-MM-DD HH:MM:SS.ffffff` for any timestamp the source schemas accept; rows parsed by them
 * already hold this form, so the common case costs one length check.
 */
export function canonicalTimestamp(value: string, where: () => string): string {
  if (value.length === 26 && value.charCodeAt(10) === 32) return value;
  const canonical = normaliseTimestamp(value);
  if (canonical === undefined) {
    throw new DataError(`${where()}: ${JSON.stringify(value)} is not a timestamp`, { code: "BAD_TIMESTAMP" });
  }
  return canonical;
}

/**
 * `source_updated_at` of a dimension row: the newest `last_updated` of the source rows it is built
 * from, canonical. Canonical timestamps sort as text.
 */
export function sourceUpdatedAt(where: () => string, ...lastUpdated: string[]): string {
  let newest = "";
  for (const value of lastUpdated) {
    const canonical = canonicalTimestamp(value, where);
    if (canonical > newest) newest = canonical;
  }
  return newest;
}

/** Splits a timestamp into the warehouse's `YYYY-MM-DD` date and `HH:MM:SS.ffffff` time. */
export function splitTimestamp(value: string, where: () => string): { date: string; time: string } {
  const canonical = canonicalTimestamp(value, where);
  return { date: canonical.slice(0, 10), time: canonical.slice(11) };
}

/**
 * A decimal string brought to exactly `scale` fraction digits, e.g. `"3.5"` to `"3.50"` at scale
 * 2. Exact string arithmetic, no floats. Digits beyond the scale that are not zero, or more
 * integer digits than the precision leaves, are a data error: a warehouse value is never rounded.
 */
export function toScale(
  value: string | number,
  precision: number,
  scale: number,
  where: () => string,
): string {
  const text = typeof value === "number" ? String(value) : value;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) {
    throw new DataError(`${where()}: ${JSON.stringify(text)} is not a decimal number`, {
      code: "BAD_DECIMAL",
    });
  }
  const [, sign = "", rawInteger = "0", rawFraction = ""] = m;
  const integer = rawInteger.replace(/^0+(?=\d)/, "");
  const kept = rawFraction.slice(0, scale);
  if (/[1-9]/.test(rawFraction.slice(scale))) {
    throw new DataError(
      `${where()}: ${text} has more than ${scale} decimals and would have to be rounded for decimal(${precision},${scale})`,
      { code: "BAD_DECIMAL" },
    );
  }
  if (integer.length > precision - scale) {
    throw new DataError(`${where()}: ${text} does not fit decimal(${precision},${scale})`, {
      code: "BAD_DECIMAL",
    });
  }
  const fraction = kept.padEnd(scale, "0");
  const isZero = /^0*$/.test(integer + fraction);
  return `${isZero ? "" : sign}${integer}${scale > 0 ? `.${fraction}` : ""}`;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "string" || typeof b !== "string") return false;
  const ta = normaliseTimestamp(a);
  return ta !== undefined && ta === normaliseTimestamp(b);
}

/** True when two rows hold the same values under the same column names. */
export function sameRow(a: object, b: object): boolean {
  const ea = Object.entries(a);
  const bb = b as Record<string, unknown>;
  return ea.length === Object.keys(b).length && ea.every(([k, v]) => k in bb && sameValue(v, bb[k]));
}

/**
 * Collapses rows to the newest version of each key (SCD type 1), comparing `last_updated` as
 * canonical strings to the microsecond. Two different rows with the same key and the same
 * `last_updated` cannot both be the newest: that is a data error, not a coin toss. Exact
 * duplicates collapse to one. Keys come out in the order they first appear.
 */
export function newestByKey<R extends { last_updated: string }>(
  rows: Iterable<R>,
  keyOf: (row: R) => number,
  label: { table: string; key: string },
): R[] {
  const newest = new Map<number, { row: R; at: string }>();
  for (const row of rows) {
    const key = keyOf(row);
    const at = canonicalTimestamp(row.last_updated, () => `${label.table} ${label.key} ${key}`);
    const seen = newest.get(key);
    if (seen === undefined || at > seen.at) newest.set(key, { row, at });
    else if (at === seen.at && !sameRow(row, seen.row)) {
      throw new DataError(
        `${label.table}: two different rows for ${label.key} ${key} with the same last_updated ${at}`,
        { code: "CONFLICTING_VERSION" },
      );
    }
  }
  return [...newest.values()].map((v) => v.row);
}

/**
 * Keeps one fact row per natural version key (`<id>` + `last_updated`): exact duplicates (a
 * re-read or replayed batch) collapse to one; two different rows with the same version key are
 * a data error. Rows come out in the order their version first appears.
 */
export function distinctVersions<F extends { last_updated_date: string; last_updated_time: string }>(
  rows: Iterable<F>,
  idOf: (row: F) => number,
  label: { table: string; key: string },
): F[] {
  const versions = new Map<string, F>();
  for (const row of rows) {
    const version = `${idOf(row)} ${row.last_updated_date} ${row.last_updated_time}`;
    const seen = versions.get(version);
    if (seen === undefined) versions.set(version, row);
    else if (!sameRow(row, seen)) {
      throw new DataError(
        `${label.table}: two different rows for ${label.key} ${idOf(row)} with the same last_updated ${row.last_updated_date} ${row.last_updated_time}`,
        { code: "CONFLICTING_VERSION" },
      );
    }
  }
  return [...versions.values()];
}

/** Lists ids for an error message, at most `max` of them, with how many more there were. */
export function listIds(ids: readonly string[], max = 20): string {
  const shown = ids.slice(0, max).join(", ");
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}
