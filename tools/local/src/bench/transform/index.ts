export { createDirectoryObjectStore } from "./directory-object-store";
export { duckdbSalesOrdersReference } from "./duckdb-reference";
export {
  BENCH_BUCKETS,
  type BenchOutcome,
  type SalesOrdersRawRun,
  transformSalesOrdersBench,
  writeSalesOrdersRawRun,
} from "./sales-orders-bench";
export { syntheticSalesOrder } from "./write-sales-orders-raw";
