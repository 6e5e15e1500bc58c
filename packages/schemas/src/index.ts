export { parseConfig } from "./config";
export { ConfigError, DataError, EtlError, isRetryable, messageOf, TransientError } from "./errors";
export * from "./manifest";
export * from "./tables";
