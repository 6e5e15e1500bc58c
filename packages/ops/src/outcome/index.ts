export { type Delivery, deliveryOf, queueOf, type ReceivedRecord, receiveCountOf } from "./delivery";
export {
  type AlertKind,
  decideReporting,
  type OutcomeKind,
  policySubject,
  REDRIVE,
  type ReceiveCount,
  type ReportingDecision,
  UNBLOCK,
} from "./outcome-policy";
export {
  codeOf,
  createOutcomeReporter,
  type FailureReport,
  type OutcomeReporter,
  type OutcomeReporterDeps,
  outcomeKindOf,
} from "./outcome-reporter";
