import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { isSecretKey, REDACTED, redactSecrets } from "./redact";

type Level = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "CRITICAL" | "SILENT";
const LEVELS: readonly Level[] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"];

/** The log level from `POWERTOOLS_LOG_LEVEL`, else `ETL_LOG_LEVEL`, else INFO; unknown values count as INFO. */
export function logLevelFrom(env: Record<string, string | undefined>): Level {
  const wanted = (env.POWERTOOLS_LOG_LEVEL ?? env.ETL_LOG_LEVEL ?? "INFO").toUpperCase();
  return LEVELS.find((l) => l === wanted) ?? "INFO";
}

/**
 * Redacts as the logger serialises: values of secret-named keys (`password`, `token`, ...) and
 * secret-looking text anywhere (connection URLs, `PASSWORD '...'`, credentials).
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (typeof value === "string") return isSecretKey(key) ? REDACTED : redactSecrets(value);
  if (typeof value === "number" && isSecretKey(key)) return REDACTED;
  return value;
}

export interface LoggerOptions {
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * A Powertools structured JSON logger for a service, with secrets redacted from every entry.
 *
 * @example
 * const logger = createLogger("ingest");
 * logger.info("table extracted", { table, rows, bytes });
 */
export function createLogger(serviceName: string, options: LoggerOptions = {}): Logger {
  return new Logger({
    serviceName,
    logLevel: logLevelFrom(options.env ?? process.env),
    jsonReplacerFn: redactingReplacer,
  });
}

/**
 * Powertools metrics (CloudWatch embedded metric format) in `namespace`, dimensioned by service.
 * Call `publishStoredMetrics()` at the end of an invocation (or use the Powertools middleware).
 *
 * @example
 * const metrics = createMetrics("Etl", "ingest");
 * metrics.addMetric("rows", MetricUnit.Count, rows);
 * metrics.publishStoredMetrics();
 */
export function createMetrics(namespace: string, serviceName: string): Metrics {
  return new Metrics({ namespace, serviceName });
}
