export * from "./calendar";
export { parseConfig } from "./config";
export { CURRENCY_NAMES, currencyName } from "./currency-names";
export * from "./decimal";
export { ConfigError, DataError, EtlError, isRetryable, messageOf, TransientError } from "./errors";
export {
  decodeS3EventKey,
  type ManifestNotifications,
  manifestRunIds,
  type NotifiedObject,
  type ObjectNotifications,
  parseObjectNotifications,
} from "./events";
export { datesOf } from "./formatters/dates-of";
export { toDimCounterparty } from "./formatters/to-dim-counterparty";
export { toDimCurrency } from "./formatters/to-dim-currency";
export { toDimDate } from "./formatters/to-dim-date";
export { toDimDesign } from "./formatters/to-dim-design";
export { toDimLocation } from "./formatters/to-dim-location";
export { toDimPaymentType } from "./formatters/to-dim-payment-type";
export { toDimStaff } from "./formatters/to-dim-staff";
export { toDimTransaction } from "./formatters/to-dim-transaction";
export { toFactPayment } from "./formatters/to-fact-payment";
export { toFactPurchaseOrder } from "./formatters/to-fact-purchase-order";
export { toFactSalesOrder } from "./formatters/to-fact-sales-order";
export { canonicalTimestamp, splitTimestamp, toScale } from "./formatters/values";
export * from "./manifest";
export * from "./quarantine";
export * from "./run-blockage";
export { isTransientSdkError, type SdkErrorShape, sdkErrorShape } from "./sdk-errors";
export * from "./source";
export * from "./source-drift";
export * from "./star";
export * from "./star-columns";
export * from "./star-deletions";
export * from "./star-sources";
export * from "./tables";
