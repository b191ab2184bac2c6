/** What other packages (the console) reuse from the CLI: the context and the command bodies' building blocks. */
export { auditActor } from './audit.js';
export { type SendTestOptions, sendTest } from './commands/send-test.js';
export { type CliContext, type ContextOptions, createContext } from './context.js';
export { sendTestHops } from './delivery/send-test-hops.js';
export type { SendTestResult } from './delivery/send-test-run.js';
export {
  isTraceableMessageId,
  type MessageTrace,
  traceFound,
  traceMessage,
  traceRows,
} from './delivery/trace-message.js';
export { formatDuration, parseDuration } from './durations.js';
export { CliError, EXIT, type ExitCode } from './exit-codes.js';
export { type EnvelopePublisher, openEnvelopePublisher } from './kafka/envelope-publisher.js';
export { createOutput, type Output } from './output.js';
export { type AuditedRedriveOptions, auditedRedrive } from './replay/audited-redrive.js';
export {
  type AuditedReplayOptions,
  auditedReplay,
  replayIsPartial,
  replayReport,
} from './replay/audited-replay.js';
export { createSubscription } from './subscriptions/create.js';
export { deleteSubscription } from './subscriptions/delete.js';
export { listSubscriptions } from './subscriptions/read.js';
export { rotateSubscriptionSecret } from './subscriptions/rotate-secret.js';
export { describePairs } from './subscriptions/topic-subscriptions.js';
export { setEnabled, updateSubscription } from './subscriptions/update.js';
export { type AuditRow, openWarehouseAccess, type WarehouseAccess } from './warehouse-access.js';
