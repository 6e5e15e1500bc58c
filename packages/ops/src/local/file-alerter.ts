import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { alertMessage, alertSubject } from "../alert-format";
import type { Alert, Alerter } from "../ports";

export interface FileAlerterOptions {
  clock?: () => Date;
  /** Where the one-line summary goes; standard error by default. */
  print?: (line: string) => void;
}

/**
 * The local stand-in for SNS: appends each alert as one JSON line `{ subject, message }` (what
 * SNS would carry, the message parsed) to `path`, and prints a one-line summary. Secrets are
 * redacted in both.
 *
 * @example
 * const alerter = config.ALERT_TOPIC_ARN ? createSnsAlerter(...) : createFileAlerter(config.ALERT_FILE ?? ".etl/alerts.jsonl");
 */
export function createFileAlerter(path: string, options: FileAlerterOptions = {}): Alerter {
  const clock = options.clock ?? (() => new Date());
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    async alert(alert: Alert) {
      const subject = alertSubject(alert);
      const message = JSON.parse(alertMessage(alert, clock())) as Record<string, unknown>;
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${JSON.stringify({ subject, message })}\n`, "utf8");
      print(`ALERT ${subject} (run ${alert.runId})`);
    },
  };
}
