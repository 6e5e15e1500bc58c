import type { ColumnSpec } from "@etl/schemas";

export type SqlDialect = "postgres" | "redshift";

/**
 * The SQL type of a warehouse column in each dialect. Redshift's `TEXT` is a `VARCHAR(256)`,
 * which a long file location or name could overflow, so text is `VARCHAR(1024)` there: Redshift
 * stores only the bytes used, and the declared width costs memory in sorts and hashes only.
 */
export function sqlType(spec: ColumnSpec, dialect: SqlDialect): string {
  switch (spec.type) {
    case "int":
      return "integer";
    case "bigint":
      return "bigint";
    case "text":
      return dialect === "redshift" ? "varchar(1024)" : "text";
    case "date":
      return "date";
    case "time":
      return "time";
    case "timestamp":
      return "timestamp";
    case "boolean":
      return "boolean";
    case "decimal":
      if (spec.precision === undefined || spec.scale === undefined) {
        throw new Error(`decimal column ${spec.name} needs a precision and a scale`);
      }
      return `numeric(${spec.precision},${spec.scale})`;
  }
}
