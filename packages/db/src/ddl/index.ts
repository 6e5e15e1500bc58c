export { type SqlDialect, sqlType } from "./column-type";
export { type AdditiveColumn, addColumnIfMissingSql, controlDdl, redshiftControlDdl } from "./control";
export {
  type ExistingForeignKey,
  existingForeignKeysSql,
  type ForeignKeyMode,
  foreignKeyMigrationSql,
  foreignKeyModeFor,
  NOT_ENFORCED_FOREIGN_KEYS_SINCE,
} from "./foreign-keys";
export {
  OLTP_TABLE_NAMES,
  OLTP_TABLES,
  oltpDdl,
  oltpForeignKeys,
  oltpIndexDdl,
  oltpLastUpdatedIndex,
  oltpPrimaryKey,
  oltpTableDdl,
  oltpValidateForeignKeys,
} from "./oltp";
export { redshiftWarehouseDdl, warehouseDdl } from "./warehouse";
