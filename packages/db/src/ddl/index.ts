export { type SqlDialect, sqlType } from "./column-type";
export { type AdditiveColumn, addColumnIfMissingSql, controlDdl, redshiftControlDdl } from "./control";
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
