import type { Alert, Alerter, AuditItem, AuditLog, FailureItem } from "@etl/ops";

/** An audit log and an alerter that remember what they were given. */
export function createRecordingOps() {
  const audits: AuditItem[] = [];
  const failures: FailureItem[] = [];
  const alerts: Alert[] = [];
  const audit: AuditLog = {
    async record(items) {
      audits.push(...items);
    },
    async recordFailure(failure) {
      failures.push(failure);
    },
  };
  const alerter: Alerter = {
    async alert(alert) {
      alerts.push(alert);
    },
  };
  return { audit, alerter, audits, failures, alerts };
}
